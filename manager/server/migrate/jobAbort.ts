// A stop during a live migration: `virsh domjobabort` until `virsh migrate` has returned. The job
// may not exist yet when the stop arrives, so the abort is retried; the task log says once that
// the job was aborted (or, once, why the first try failed), however many tries it takes.

export interface AbortTry {
  exitCode: number;
  stderr: string;
}

export interface AbortLoop {
  /** one `virsh domjobabort` */
  abort: () => Promise<AbortTry>;
  /** whether the migration is still running (the loop ends when it is not) */
  active: () => boolean;
  /** settles when `virsh migrate` returns; read on every round (it may start after the stop) */
  done: () => Promise<unknown> | undefined;
  log: (line: string) => void;
  intervalMs?: number;
}

export async function abortUntilDone(o: AbortLoop): Promise<void> {
  const interval = o.intervalMs ?? 500;
  let aborted = false;
  for (let n = 0; o.active(); n++) {
    const a = await o.abort();
    if (a.exitCode === 0 && !aborted) {
      aborted = true;
      o.log('migration job aborted (virsh domjobabort)');
    } else if (a.exitCode !== 0 && n === 0) {
      const why = a.stderr.trim().split('\n').pop() || `exit ${a.exitCode}`;
      o.log(`virsh domjobabort: ${why} (retrying every ${interval} ms)`);
    }
    await Promise.race([o.done(), new Promise((r) => setTimeout(r, interval))]);
  }
}
