// Real progress while the system is copied: GNU tar reports a checkpoint every N records of the
// (uncompressed) archive it reads; the payload's uncompressed size is recorded at build time next
// to it (`payload.tar.zst.size`). Pure helpers; the extract handler wires them to the runner.
import { readFileSync, statSync } from 'node:fs';

/** tar's record: 20 blocks of 512 bytes (its default blocking factor, also when reading from zstd). */
export const TAR_RECORD_BYTES = 10240;
/** records per checkpoint: one per 2 MiB read */
export const CHECKPOINT_RECORDS = 200;
const MARK = 'openve-checkpoint';

/** tar options that print `tar: openve-checkpoint N` every CHECKPOINT_RECORDS records (on stderr). */
export function checkpointArgs(records = CHECKPOINT_RECORDS): string[] {
  return [`--checkpoint=${records}`, `--checkpoint-action=echo=${MARK} %u`];
}

/** The last checkpoint number in a chunk of tar's output, or null. */
export function lastCheckpoint(chunk: string): number | null {
  const all = [...chunk.matchAll(/openve-checkpoint (\d+)/g)];
  const last = all[all.length - 1];
  return last?.[1] ? Number(last[1]) : null;
}

/** Where the build records the uncompressed size of a payload: the payload's name + `.size`. */
export function sizeFileOf(payload: string): string {
  return `${payload}.size`;
}

/**
 * Uncompressed bytes of a tar payload: the recorded size next to it, or a plain .tar's own size;
 * null when unknown (an older medium), so progress falls back to what tar has read so far.
 */
export function payloadBytes(
  payload: string,
  read = (f: string) => readFileSync(f, 'utf8'),
  size = (f: string) => statSync(f).size,
): number | null {
  try {
    const n = Number(read(sizeFileOf(payload)).trim());
    if (Number.isSafeInteger(n) && n > 0) return n;
  } catch {
    // no record
  }
  if (payload.endsWith('.tar')) {
    try {
      return size(payload);
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * At most one progress event per this many ms while copying. Every event is a JSON line on the
 * console (serial and the VGA console, tty1) of an unattended install: one per 2 MiB checkpoint
 * was ~430 lines for an 851 MiB payload, drawn under QEMU TCG by the CPUs tar and zstd need.
 */
export const PROGRESS_INTERVAL_MS = 1000;

/** Whether a progress event is due: the first one, the last one (all copied), or one a second. Pure. */
export function progressDue(lastShownMs: number | null, nowMs: number, fraction: number | null) {
  return lastShownMs === null || fraction === 1 || nowMs - lastShownMs >= PROGRESS_INTERVAL_MS;
}

export interface CopyProgress {
  /** 0..1 of the copy (null: total unknown) */
  fraction: number | null;
  /** seconds left, once there is enough to estimate from */
  etaSeconds: number | null;
  text: string;
}

const MiB = 1024 * 1024;

/** Progress after `done` of `total` bytes in `elapsedMs`. Pure. */
export function copyProgress(done: number, total: number | null, elapsedMs: number): CopyProgress {
  const doneMiB = Math.round(done / MiB);
  if (!total)
    return { fraction: null, etaSeconds: null, text: `Copying the system: ${doneMiB} MiB` };
  const fraction = Math.min(1, done / total);
  // an estimate from the first moments (or the first 2%) jumps around: wait for both
  const etaSeconds =
    elapsedMs >= 3000 && fraction >= 0.02 && fraction < 1
      ? Math.round(((elapsedMs / 1000) * (1 - fraction)) / fraction)
      : null;
  const eta = etaSeconds === null ? '' : `, about ${formatDuration(etaSeconds)} left`;
  return {
    fraction,
    etaSeconds,
    text: `Copying the system: ${doneMiB} of ${Math.round(total / MiB)} MiB${eta}`,
  };
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return s === 0 ? `${m} min` : `${m} min ${s} s`;
}
