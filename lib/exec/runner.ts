// The real CommandRunner: argv arrays through execa (never a shell). Loaded lazily by createRunner
// (factory.ts, the one place a mode is chosen), so commands that never run a tool skip execa's
// ~90 ms import. The dry-run and guard wrappers are in dry.ts, the recording runner in recording.ts.
import { execa } from 'execa';
import { CommandError, type CommandResult, type CommandRunner, type RunOptions } from './types.ts';
import { collapseCarriageReturns, redact } from './redact.ts';
import { defaultPath } from './path.ts';
import type { LogLine } from './types.ts';

export { collapseCarriageReturns, redact } from './redact.ts';
export { dryRunner, guardSecrets, DRY_RUN_OUTPUT } from './dry.ts';
export type { LogLine } from './types.ts';

export interface RealRunnerOptions {
  /** applied when a call gives no timeoutMs; 0 = none */
  defaultTimeoutMs?: number;
}

/** Default timeout of one command: long enough for mkfs on a large disk, short enough to notice a hang. */
export const DEFAULT_TIMEOUT_MS = 15 * 60_000;

/** The real runner: execa with argv arrays, no shell, output captured (and optionally logged). */
export function realRunner(log?: LogLine, opts: RealRunnerOptions = {}): CommandRunner {
  const defaultTimeout = opts.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
      const [file, ...args] = argv;
      if (!file) throw new Error('realRunner: empty argv');
      const started = performance.now();
      log?.(`$ ${redact(argv.join(' '), options.redact)}`);
      const timeout = options.timeoutMs ?? defaultTimeout;
      const subprocess = execa(file, args, {
        input: options.input,
        timeout: timeout > 0 ? timeout : undefined,
        cwd: options.cwd,
        env: { PATH: defaultPath(), LVM_SUPPRESS_FD_WARNINGS: '1', ...options.env },
        extendEnv: true,
        reject: false,
        stripFinalNewline: false,
        encoding: 'utf8',
      });
      if (options.onOutput) {
        const forward = (chunk: Buffer | string) => options.onOutput?.(String(chunk));
        subprocess.stdout?.on('data', forward);
        subprocess.stderr?.on('data', forward);
      }
      const child = await subprocess;
      const timedOut = child.timedOut === true;
      const notStarted = child.failed && child.exitCode === undefined;
      const result: CommandResult = {
        argv: [...argv],
        exitCode: child.exitCode ?? (timedOut ? 124 : notStarted ? 127 : 1),
        stdout: String(child.stdout ?? ''),
        stderr:
          String(child.stderr ?? '') +
          (timedOut
            ? `\ntimed out after ${timeout} ms`
            : notStarted
              ? `\n${child.shortMessage}`
              : ''),
        durationMs: Math.round(performance.now() - started),
      };
      if (timedOut && result.exitCode === 0) result.exitCode = 124;
      if (log) {
        if (!options.quietOutput) {
          const out = redact(
            collapseCarriageReturns(`${result.stdout}${result.stderr}`).trimEnd(),
            options.redact,
          );
          if (out) log(out);
        }
        if (result.exitCode !== 0) log(`(exit ${result.exitCode}${timedOut ? ', timed out' : ''})`);
      }
      if (result.exitCode !== 0 && options.reject !== false) {
        throw new CommandError({
          ...result,
          stdout: redact(collapseCarriageReturns(result.stdout), options.redact),
          stderr: redact(result.stderr, options.redact),
        });
      }
      return result;
    },
  };
}
