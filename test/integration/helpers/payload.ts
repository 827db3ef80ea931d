// The cached test payload (test/payload/build.sh): built once per recipe, reused by later runs.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../payload/build.sh');

export function ensureTestPayload(): { dir: string; squashfs: string; tarZst: string } {
  const dir = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 15 * 60_000 }).trim().split('\n').pop() as string;
  return { dir, squashfs: path.join(dir, 'payload.squashfs'), tarZst: path.join(dir, 'payload.tar.zst') };
}
