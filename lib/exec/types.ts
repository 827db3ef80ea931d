// Every external command goes through a CommandRunner: argv arrays only, never a shell string.

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
