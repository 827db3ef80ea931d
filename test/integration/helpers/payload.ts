// The cached test payload (test/payload/build.sh): built once per recipe, reused by later runs.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sizeFileOf } from '../../../installer/apply/extract-progress.ts';

const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../payload/build.sh');
const sizeScript = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../iso/scripts/payload-size.sh');

export function ensureTestPayload(): { dir: string; squashfs: string; tarZst: string } {
  const dir = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 15 * 60_000 }).trim().split('\n').pop() as string;
  const tarZst = path.join(dir, 'payload.tar.zst');
  // its uncompressed size beside it, as build-iso records it on the medium (extraction progress)
  if (!existsSync(sizeFileOf(tarZst))) execFileSync(sizeScript, [tarZst, sizeFileOf(tarZst)], { timeout: 5 * 60_000 });
  return { dir, squashfs: path.join(dir, 'payload.squashfs'), tarZst };
}
