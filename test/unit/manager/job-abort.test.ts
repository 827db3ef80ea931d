// A stop during a live migration retries `virsh domjobabort` until `virsh migrate` returns; the
// task log says "aborted" once (it said so on every successful retry: three times in a browser run).
import { describe, expect, test } from 'vitest';
import { abortUntilDone, type AbortTry } from '../../../manager/server/migrate/jobAbort.ts';

function loop(results: AbortTry[], rounds: number) {
  const log: string[] = [];
  let calls = 0;
  const run = abortUntilDone({
    abort: () => Promise.resolve(results[Math.min(calls++, results.length - 1)]!),
    active: () => calls < rounds,
    done: () => undefined,
    log: (l) => log.push(l),
    intervalMs: 1,
  });
  return run.then(() => ({ log, calls }));
}

describe('migration job abort loop', () => {
  test('aborted on every try: called until the migration ends, logged once', async () => {
    const { log, calls } = await loop([{ exitCode: 0, stderr: '' }], 4);
    expect(calls).toBe(4);
    expect(log).toEqual(['migration job aborted (virsh domjobabort)']);
  });

  test('no job yet, then aborted: the first refusal and the abort, each once', async () => {
    const refused = {
      exitCode: 1,
      stderr: 'error: Requested operation is not valid: no job is active on the domain\n',
    };
    const { log } = await loop([refused, refused, { exitCode: 0, stderr: '' }], 5);
    expect(log).toEqual([
      'virsh domjobabort: error: Requested operation is not valid: no job is active on the domain (retrying every 1 ms)',
      'migration job aborted (virsh domjobabort)',
    ]);
  });

  test('a refusal with no message names the exit code', async () => {
    const { log } = await loop([{ exitCode: 3, stderr: '' }], 2);
    expect(log).toEqual(['virsh domjobabort: exit 3 (retrying every 1 ms)']);
  });
});
