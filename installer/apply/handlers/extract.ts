// Lay the payload down onto the mounted target with the fastest tool measured (docs/design.md §5):
// unsquashfs for .squashfs, GNU tar for .tar.zst / .tar (keeps ACLs, xattrs, capabilities).
import type { ApplyContext, Handler } from '../context.ts';
import {
  checkpointArgs,
  copyProgress,
  lastCheckpoint,
  payloadBytes,
  TAR_RECORD_BYTES,
} from '../extract-progress.ts';

export type PayloadFormat = 'squashfs' | 'tar.zst' | 'tar';

export function payloadFormat(file: string): PayloadFormat | null {
  if (file.endsWith('.squashfs') || file.endsWith('.sqfs')) return 'squashfs';
  if (file.endsWith('.tar.zst') || file.endsWith('.tzst')) return 'tar.zst';
  if (file.endsWith('.tar')) return 'tar';
  return null;
}

export function extractArgs(file: string, target: string): string[] {
  const format = payloadFormat(file);
  switch (format) {
    case 'squashfs':
      return ['unsquashfs', '-f', '-d', target, file];
    case 'tar.zst':
    case 'tar':
      return [
        'tar',
        ...(format === 'tar.zst' ? ['--zstd'] : []),
        '-xpf',
        file,
        '-C',
        target,
        '--xattrs',
        '--xattrs-include=*',
        '--acls',
        '--numeric-owner',
      ];
    default:
      throw new Error(`payload ${file}: unknown format (expected .squashfs, .tar.zst or .tar)`);
  }
}

/** unsquashfs draws `[====]  6553/11129  58%`: the last percentage in a chunk is our progress. */
export function percentFromOutput(chunk: string): number | null {
  const all = [...chunk.matchAll(/(\d{1,3})%/g)];
  const last = all[all.length - 1];
  if (!last?.[1]) return null;
  const n = Number(last[1]);
  return n >= 0 && n <= 100 ? n / 100 : null;
}

export const EXTRACT_TIMEOUT_MS = 60 * 60_000;

export const extract: Handler<'extract'> = async (step, ctx: ApplyContext) => {
  if (!ctx.payload) throw new Error(`${step.id}: no payload given (--payload or OPENVE_PAYLOAD)`);
  const isTar = payloadFormat(ctx.payload) !== 'squashfs';
  // tar: checkpoints against the size recorded at build time (the progress bar moved only at the end before)
  const argv = [...extractArgs(ctx.payload, ctx.target), ...(isTar ? checkpointArgs() : [])];
  const total = isTar ? payloadBytes(ctx.payload) : null;
  const started = performance.now();
  let shown = '';
  await ctx.runner.run(argv, {
    timeoutMs: EXTRACT_TIMEOUT_MS,
    quietOutput: true,
    onOutput: (chunk) => {
      if (!isTar) {
        const f = percentFromOutput(chunk);
        if (f !== null) ctx.progress(f * 0.9);
        return;
      }
      const n = lastCheckpoint(chunk);
      if (n === null) return;
      const p = copyProgress(n * TAR_RECORD_BYTES, total, performance.now() - started); // %u counts records
      if (p.text === shown) return; // one event per MiB step, not per chunk
      shown = p.text;
      ctx.progress((p.fraction ?? 0) * 0.9, p.text);
    },
  });
  // the extraction on the disk the confirmed plan wipes anyway: the yardstick for install time
  const seconds = (performance.now() - started) / 1000;
  ctx.emit({
    type: 'message',
    step: step.id,
    text: `Copied the system${total ? ` (${Math.round(total / 1048576)} MiB)` : ''} in ${seconds.toFixed(1)} s`,
  });
  // flush the target filesystem here, not in finalize: the system is only copied once it is on
  // disk, and progress should not sit at "Finishing" while a gigabyte is written back
  ctx.progress(0.9, 'Writing the system to disk');
  await ctx.runner.run(['sync', '-f', ctx.target], { timeoutMs: EXTRACT_TIMEOUT_MS });
  ctx.progress(1);
};
