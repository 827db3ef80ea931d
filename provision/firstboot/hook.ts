// The answer's first-boot hook: from the ISO (already at hookPath) or downloaded from a URL with
// the certificate pinned, then run once; its output and exit status are logged.
import { chmodSync, existsSync, statSync } from 'node:fs';
import type { CommandRunner } from '../../lib/exec/index.ts';
import { fetchPinned, safeUrl } from '../../lib/net/pinned.ts';
import { writeFileAtomic } from '../cluster/state.ts';
import type { NodeConfig } from '../../contracts/node/types.ts';
import type { Logger } from './log.ts';

export interface HookOutcome {
  ran: boolean;
  exitCode: number | null;
  /** why it did not run (download failed, missing file) */
  error?: string;
  seconds: number;
}

export async function fetchHook(
  url: string,
  fingerprint: string | undefined,
  dest: string,
  log: Logger,
  attempts = 5,
): Promise<void> {
  let delay = 2000;
  for (let i = 1; ; i++) {
    try {
      const res = await fetchPinned(url, {
        ...(fingerprint ? { fingerprint } : {}),
        timeoutMs: 60_000,
      });
      writeFileAtomic(dest, res.body, 0o700);
      log(`first-boot: downloaded hook from ${safeUrl(url)} (${res.body.length} bytes)`);
      return;
    } catch (err) {
      const kind = (err as { kind?: string }).kind;
      // a wrong pin or a 404 will not get better by waiting; a network that is still coming up will
      if (i >= attempts || (kind !== 'network' && kind !== 'timeout')) throw err;
      log(
        `first-boot: download attempt ${i} failed (${(err as Error).message}); retrying in ${delay / 1000} s`,
      );
      await new Promise((r) => setTimeout(r, delay));
      delay *= 2;
    }
  }
}

export async function runHook(
  runner: CommandRunner,
  fb: NodeConfig['firstBoot'],
  hookPath: string,
  log: Logger,
  options: { cwd?: string; timeoutMs?: number; attempts?: number } = {},
): Promise<HookOutcome> {
  const started = performance.now();
  const seconds = () => Math.round((performance.now() - started) / 100) / 10;
  try {
    if (fb.source === 'from-url')
      await fetchHook(fb.url!, fb.certFingerprint, hookPath, log, options.attempts ?? 5);
    if (!existsSync(hookPath)) throw new Error(`hook ${hookPath} is missing`);
    if ((statSync(hookPath).mode & 0o111) === 0) chmodSync(hookPath, 0o700);
  } catch (err) {
    const error = (err as Error).message;
    log(`first-boot: hook not run: ${error}`);
    return { ran: false, exitCode: null, error, seconds: seconds() };
  }
  log(`first-boot: running ${hookPath} (ordering ${fb.ordering})`);
  const r = await runner.run([hookPath], {
    reject: false,
    timeoutMs: options.timeoutMs ?? 3_600_000,
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const output = `${r.stdout}${r.stderr}`.trimEnd();
  if (output) for (const line of output.split('\n')) log(`hook| ${line}`);
  log(`first-boot: hook exited with status ${r.exitCode} after ${seconds()} s`);
  return { ran: true, exitCode: r.exitCode, seconds: seconds() };
}
