// A guest kernel that dies under multi-threaded TCG: QEMU's cross-vCPU text patching race
// ("Oops: int3" in a function the kernel was patching, then "Kernel panic"; docs/design.md
// "MTTCG int3 panic"). It is the host's emulator, not the system under test: a boot that dies so
// is killed and booted once more, and the retry is logged and kept in the result. A second crash
// fails the case as before.
import { existsSync, readFileSync, renameSync } from 'node:fs';

export const GUEST_CRASH = /(?:Oops: int3|Kernel panic - not syncing)[^\n]*/;

/** the first crash line of a serial log, or null */
export function guestCrash(serial: string): string | null {
  return GUEST_CRASH.exec(serial)?.[0].trim() ?? null;
}

/** QEMU's -pidfile: SIGKILL the emulator it names (no-op when it is gone). */
export function killQemu(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isSafeInteger(pid) || pid <= 1) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/**
 * Polls a serial log (one read per poll); on the first crash line, kills QEMU (its pid file) and
 * remembers the line. `onText` sees each poll's text too (marker times: one reader per log).
 */
export function watchCrash(
  serialLog: string,
  pidFile: string,
  everyMs = 2000,
  onText?: (text: string) => void,
) {
  let seen: string | null = null;
  const timer = setInterval(() => {
    if (seen || !existsSync(serialLog)) return;
    const text = readFileSync(serialLog, 'utf8');
    onText?.(text);
    seen = guestCrash(text);
    if (seen) killQemu(pidFile);
  }, everyMs);
  return {
    stop: () => clearInterval(timer),
    crashed: () => seen,
  };
}

/** what one boot gave, and whether its kernel died under TCG on the way */
export interface Boot<T> {
  died: string | null;
  value: T;
}

/**
 * Runs `boot`; when the guest's kernel died, keeps its console as `*.crashed.log`, says so through
 * `note` ("<what>: guest kernel crashed (<line>)") and boots once more. A second death is the result.
 */
export async function bootOnceMore<T>(
  what: string,
  serialLog: string,
  boot: (attempt: 1 | 2) => Promise<Boot<T>>,
  note: (line: string) => void,
): Promise<T> {
  const first = await boot(1);
  if (!first.died) return first.value;
  note(`${what}: guest kernel crashed (${first.died})`);
  renameSync(serialLog, serialLog.replace(/\.log$/, '.crashed.log'));
  return (await boot(2)).value;
}

/** bootOnceMore's `note` for a harness: the retry kept in its result, and said in its log */
export function noteRetry(retries: string[], log: (line: string) => void) {
  return (line: string): void => {
    retries.push(`${line}; booted again`);
    log(`${line} under TCG; booting it again`);
  };
}
