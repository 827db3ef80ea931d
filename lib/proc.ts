// Whether a process still runs, for cleaning up after builds and tests that died.

/** true while `pid` exists (EPERM: it exists, owned by someone else) */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
