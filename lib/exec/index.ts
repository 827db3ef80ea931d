// The command runner, public face: what other areas import. The runner implementations
// (runner.ts, probe.ts, dry.ts, recording.ts) are reached only through createRunner.
export {
  createRunner,
  type RunnerMode,
  type RunnerFactoryOptions,
  type RecordingRunner,
  type Rule,
} from './factory.ts';
export {
  CommandError,
  type CommandResult,
  type CommandRunner,
  type LogLine,
  type RunOptions,
  type Runner,
  type StreamOptions,
  type StreamProcess,
  type StreamRunner,
} from './types.ts';
export { createInstallLog, type InstallLog } from './log.ts';
export { collapseCarriageReturns, redact } from './redact.ts';
