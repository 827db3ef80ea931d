// The ONE place the execution mode is chosen. Handlers never ask "is this a dry run?": they get a
// runner. Every mode refuses secrets in argv (guardSecrets) and logs through the install log.
import type { CommandRunner } from './types.ts';
import { dryRunner, guardSecrets, realRunner, type LogLine } from './runner.ts';
import { recordingRunner, type RecordingRunner, type Rule } from './recording.ts';

export type { RecordingRunner, Rule } from './recording.ts';

export type RunnerMode = 'real' | 'dry-run' | 'recording';

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

export function createRunner(mode: 'recording', opts?: RunnerFactoryOptions): RecordingRunner;
export function createRunner(mode: RunnerMode, opts?: RunnerFactoryOptions): CommandRunner;
export function createRunner(mode: RunnerMode, opts: RunnerFactoryOptions = {}): CommandRunner {
  const secrets = opts.secrets ?? (() => []);
  switch (mode) {
    case 'real':
      return guardSecrets(realRunner(opts.log, { defaultTimeoutMs: opts.timeoutMs }), secrets);
    case 'dry-run':
      return guardSecrets(dryRunner(opts.log), secrets);
    case 'recording': {
      return recordingRunner({
        rules: opts.rules,
        fallback: opts.passthrough ? realRunner(opts.log, { defaultTimeoutMs: opts.timeoutMs }) : undefined,
        log: opts.log,
        secrets,
      });
    }
  }
}
