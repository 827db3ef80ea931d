// Every external command goes through a CommandRunner: argv arrays only, never a shell string.
import type { Readable } from 'node:stream';

/** where a runner writes each command and its output (the install log) */
export type LogLine = (line: string) => void;

export interface RunOptions {
  /** bytes or text written to the child's stdin (how secrets reach chpasswd and friends) */
  input?: string | Uint8Array;
  timeoutMs?: number;
  cwd?: string;
  env?: Record<string, string>;
  /** default true: a non-zero exit throws CommandError; false returns the result */
  reject?: boolean;
  /** strings that must never reach a log (passwords, tokens): replaced by '***' */
  redact?: string[];
  /** called with each chunk of stdout/stderr as it arrives (progress bars); the result still has it all */
  onOutput?: (chunk: string) => void;
  /** do not copy this command's output to the install log (progress-bar noise); argv and exit still logged */
  quietOutput?: boolean;
}

export interface CommandResult {
  argv: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface CommandRunner {
  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
}

/** A child whose stdin and/or stdout are byte streams (tar to a peer, a console, an event loop). */
export interface StreamOptions {
  /**
   * bytes for the child's stdin, piped as they arrive; without it stdin is /dev/null. The child may
   * exit before `input` ends (tar at its end-of-archive marker, a console closed): what it leaves is
   * drained, never an error by itself, and the exit status in `done` says how the child ended.
   */
  input?: Readable;
  /** 'ignore': the child's stdout goes to /dev/null (`stdout` is then an empty stream) */
  stdout?: 'pipe' | 'ignore';
  cwd?: string;
  env?: Record<string, string>;
  /** strings that must never reach a log or an error (passwords, tokens): replaced by '***' */
  redact?: string[];
  /** each chunk of stderr as it arrives (redacted); its tail is in `done`'s error either way */
  onStderr?: (chunk: string) => void;
}

export interface StreamProcess {
  /** the child's stdout (an empty stream with `stdout: 'ignore'`) */
  readonly stdout: Readable;
  /**
   * resolves when the child exits 0 (the result's stdout is '', it was streamed; stderr is its
   * tail); rejects with a CommandError whose message names the exit status (or signal) and the end
   * of stderr
   */
  readonly done: Promise<CommandResult>;
  /** signals the child (default SIGTERM); `done` then rejects naming the signal */
  kill(signal?: NodeJS.Signals): void;
}

export interface StreamRunner {
  /** starts argv with streams attached; never a shell */
  stream(argv: readonly string[], options?: StreamOptions): StreamProcess;
}

/** What createRunner makes: commands run to completion, and streaming children. */
export type Runner = CommandRunner & StreamRunner;

export class CommandError extends Error {
  readonly result: CommandResult;
  constructor(result: CommandResult, message?: string) {
    super(message ?? `${result.argv.join(' ')} exited with ${result.exitCode}`);
    this.name = 'CommandError';
    this.result = result;
  }
  /** the last lines of the command's output, for error reports */
  tail(lines = 15): string {
    const all = [this.result.stdout.trimEnd(), this.result.stderr.trim()]
      .filter(Boolean)
      .join('\n')
      .split('\n');
    return all.slice(-lines).join('\n');
  }
}
