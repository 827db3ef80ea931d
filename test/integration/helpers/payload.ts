// The cached test payload (test/payload/build.sh): built once per recipe, reused by later runs.
// Built asynchronously: a cold build takes minutes, and a synchronous child blocks the vitest
// worker's event loop, whose RPC to the main process then times out ("Timeout calling
// onTaskUpdate") and ends the whole run.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sizeFileOf } from '../../../installer/apply/extract-progress.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.resolve(here, '../../payload/build.sh');
const sizeScript = path.resolve(here, '../../../iso/scripts/payload-size.sh');
const run = promisify(execFile);

export interface TestPayload {
  dir: string;
  squashfs: string;
  tarZst: string;
}

export async function ensureTestPayload(): Promise<TestPayload> {
  const { stdout } = await run('bash', [script], {
    encoding: 'utf8',
    timeout: 30 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const dir = stdout.trim().split('\n').pop() as string;
  const tarZst = path.join(dir, 'payload.tar.zst');
  // its uncompressed size beside it, as build-iso records it on the medium (extraction progress)
  if (!existsSync(sizeFileOf(tarZst)))
    await run(sizeScript, [tarZst, sizeFileOf(tarZst)], { timeout: 5 * 60_000 });
  return { dir, squashfs: path.join(dir, 'payload.squashfs'), tarZst };
}
