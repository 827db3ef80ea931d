// Lay the payload down onto the mounted target with the fastest tool measured (docs/design.md §5):
// unsquashfs for .squashfs, GNU tar for .tar.zst / .tar (keeps ACLs, xattrs, capabilities).
import { Readable } from 'node:stream';
import type { StreamRunner } from '../../../lib/exec/index.ts';
import type { ApplyContext, Handler } from '../context.ts';
import {
  checkpointArgs,
  copyProgress,
  lastCheckpoint,
  payloadBytes,
  progressDue,
  TAR_RECORD_BYTES,
} from '../extract-progress.ts';

export type PayloadFormat = 'squashfs' | 'tar.zst' | 'tar';

/** A payload served over the network (`openve-install serve` hands `openve.payload=URL` to its machines). */
export function isPayloadUrl(payload: string): boolean {
  return /^https?:\/\//.test(payload);
}

export function payloadFormat(file: string): PayloadFormat | null {
  if (isPayloadUrl(file)) file = new URL(file).pathname;
  if (file.endsWith('.squashfs') || file.endsWith('.sqfs')) return 'squashfs';
  if (file.endsWith('.tar.zst') || file.endsWith('.tzst')) return 'tar.zst';
  if (file.endsWith('.tar')) return 'tar';
  return null;
}

/** argv of the extraction; a URL payload is read by tar from stdin (`-f -`), fed from the HTTP response. */
export function extractArgs(file: string, target: string): string[] {
  const format = payloadFormat(file);
  const url = isPayloadUrl(file);
  if (url && format === 'squashfs')
    throw new Error(`payload ${file}: a squashfs payload cannot be streamed (serve a .tar.zst)`);
  switch (format) {
    case 'squashfs':
      return ['unsquashfs', '-f', '-d', target, file];
    case 'tar.zst':
    case 'tar':
      return [
        'tar',
        ...(format === 'tar.zst' ? ['--zstd'] : []),
        '-xpf',
        url ? '-' : file,
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

/** The uncompressed size the server records next to a URL payload (`URL.size`), or null. */
async function remotePayloadBytes(url: string): Promise<number | null> {
  try {
    const res = await fetch(`${url}.size`, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) return null;
    const n = Number((await res.text()).trim());
    return Number.isSafeInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/**
 * A URL payload: the HTTP response streamed into tar's stdin (never stored: the machine keeps
 * only the live system in RAM). Same tar flags and checkpoints as a file.
 */
async function extractUrl(
  step: { id: string },
  ctx: ApplyContext,
  url: string,
  argv: string[],
  onOutput: (chunk: string) => void,
): Promise<void> {
  const runner = ctx.runner as Partial<StreamRunner>;
  if (typeof runner.stream !== 'function')
    throw new Error(`${step.id}: this runner cannot stream a payload from ${url}`);
  const res = await fetch(url);
  if (!res.ok || !res.body)
    throw new Error(`${step.id}: payload ${url}: HTTP ${res.status} ${res.statusText}`);
  const input = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
  const child = runner.stream(argv, { input, stdout: 'ignore', onStderr: onOutput });
  const failed = new Promise<never>((_, reject) =>
    input.once('error', (err) => {
      child.kill();
      reject(new Error(`${step.id}: payload ${url}: ${err.message}`));
    }),
  );
  await Promise.race([child.done, failed]);
}

export const extract: Handler<'extract'> = async (step, ctx: ApplyContext) => {
  if (!ctx.payload) throw new Error(`${step.id}: no payload given (--payload or OPENVE_PAYLOAD)`);
  const url = isPayloadUrl(ctx.payload) ? ctx.payload : null;
  const isTar = payloadFormat(ctx.payload) !== 'squashfs';
  // tar: checkpoints against the size recorded at build time (the progress bar moved only at the end before)
  const argv = [...extractArgs(ctx.payload, ctx.target), ...(isTar ? checkpointArgs() : [])];
  const total = url ? await remotePayloadBytes(url) : isTar ? payloadBytes(ctx.payload) : null;
  const started = performance.now();
  let shown = '';
  let shownAt: number | null = null;
  /** the latest figure not shown (held back by the one-a-second limit): shown when tar ends */
  let held: { fraction: number | null; text: string } | null = null;
  const onOutput = (chunk: string) => {
    if (!isTar) {
      const f = percentFromOutput(chunk);
      if (f !== null) ctx.progress(f * 0.9);
      return;
    }
    const n = lastCheckpoint(chunk);
    if (n === null) return;
    const now = performance.now();
    const p = copyProgress(n * TAR_RECORD_BYTES, total, now - started); // %u counts records
    // one event when the MiB figure moves, at most one a second (each is a line on the console)
    if (p.text === shown) return;
    if (!progressDue(shownAt, now, p.fraction)) {
      held = p;
      return;
    }
    held = null;
    shown = p.text;
    shownAt = now;
    ctx.progress((p.fraction ?? 0) * 0.9, p.text);
  };
  if (url) await extractUrl(step, ctx, url, argv, onOutput);
  else
    await ctx.runner.run(argv, {
      timeoutMs: EXTRACT_TIMEOUT_MS,
      quietOutput: true,
      onOutput,
    });
  // (set inside the output callback: TypeScript's flow analysis here sees only the initial null)
  const last = held as { fraction: number | null; text: string } | null;
  if (last) ctx.progress((last.fraction ?? 0) * 0.9, last.text);
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
