// The ONE place a runner is made and its execution mode chosen. Handlers never ask "is this a dry
// run?": they get a runner. Every mode refuses secrets in argv (guardSecrets) and logs through the
// given log line function.
//   real       execa (loaded on the first command: commands that run nothing skip its import)
//   probe      node:child_process, read-only detection commands (lsblk, ip, udevadm): no execa
//   dry-run    logs what would run, touches nothing (a streaming child is refused)
//   recording  scripted responses for tests and fault injection (streams recorded too)
// Every mode also streams (runner.stream: stdin/stdout as byte streams, see stream.ts).
import type { CommandRunner, LogLine, Runner } from './types.ts';
import { dryRunner, guardSecrets } from './dry.ts';
import { probeRunner } from './probe.ts';
import { streamRunner } from './stream.ts';
import { recordingRunner, type RecordingRunner, type Rule } from './recording.ts';

export type { RecordingRunner, Rule } from './recording.ts';

export type RunnerMode = 'real' | 'probe' | 'dry-run' | 'recording';

export interface RunnerFactoryOptions {
  log?: LogLine;
  /** default per-command timeout (real mode) */
  timeoutMs?: number;
  /** values that must never appear in argv */
  secrets?: () => readonly string[];
  /** recording mode: scripted responses */
  rules?: Rule[];
  /** recording mode: unmatched calls run for real instead of succeeding silently */
  passthrough?: boolean;
}

/** The execa runner, imported on its first command; streams through node:child_process. */
function lazyReal(log: LogLine | undefined, timeoutMs: number | undefined): Runner {
  let inner: Promise<CommandRunner> | undefined;
  return {
    ...streamRunner(log),
    async run(argv, options) {
      inner ??= import('./runner.ts').then((m) =>
        m.realRunner(log, { defaultTimeoutMs: timeoutMs }),
      );
      return (await inner).run(argv, options);
    },
  };
}

export function createRunner(mode: 'recording', opts?: RunnerFactoryOptions): RecordingRunner;
export function createRunner(mode: RunnerMode, opts?: RunnerFactoryOptions): Runner;
export function createRunner(mode: RunnerMode, opts: RunnerFactoryOptions = {}): Runner {
  const secrets = opts.secrets ?? (() => []);
  switch (mode) {
    case 'real':
      return guardSecrets(lazyReal(opts.log, opts.timeoutMs), secrets);
    case 'probe':
      return guardSecrets({ ...probeRunner(), ...streamRunner() }, secrets);
    case 'dry-run':
      return guardSecrets(dryRunner(opts.log), secrets);
    case 'recording':
      return recordingRunner({
        rules: opts.rules,
        fallback: opts.passthrough ? lazyReal(opts.log, opts.timeoutMs) : undefined,
        log: opts.log,
        secrets,
      });
  }
}
