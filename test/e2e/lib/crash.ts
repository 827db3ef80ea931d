// A guest kernel that dies under multi-threaded TCG: QEMU's cross-vCPU text patching race
// ("Oops: int3" in a function the kernel was patching, then "Kernel panic"; docs/design.md
// "MTTCG int3 panic"). It is the host's emulator, not the system under test: a boot that dies so
// is killed and booted once more, and the retry is logged and kept in the result. A second crash
// fails the case as before.
import { existsSync, readFileSync } from 'node:fs';

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

/** Polls a serial log; on the first crash line, kills QEMU (its pid file) and remembers the line. */
export function watchCrash(serialLog: string, pidFile: string, everyMs = 2000) {
  let seen: string | null = null;
  const timer = setInterval(() => {
    if (seen || !existsSync(serialLog)) return;
    seen = guestCrash(readFileSync(serialLog, 'utf8'));
    if (seen) killQemu(pidFile);
  }, everyMs);
  return {
    stop: () => clearInterval(timer),
    crashed: () => seen,
  };
}
