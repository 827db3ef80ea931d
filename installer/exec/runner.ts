// CommandRunner implementations. The real one runs argv arrays through execa (never a shell),
// the dry-run one only logs, and the recording one (recording.ts) records and scripts responses.
// createRunner (factory.ts) is the one place a mode is chosen.
import { execa } from 'execa';
import { CommandError, type CommandResult, type CommandRunner, type RunOptions } from './types.ts';

export type LogLine = (line: string) => void;

export interface RealRunnerOptions {
  /** applied when a call gives no timeoutMs; 0 = none */
  defaultTimeoutMs?: number;
}

/** Default timeout of one command: long enough for mkfs on a large disk, short enough to notice a hang. */
export const DEFAULT_TIMEOUT_MS = 15 * 60_000;

export function redact(text: string, secrets: readonly string[] | undefined): string {
  let out = text;
  for (const s of secrets ?? []) if (s) out = out.split(s).join('***');
  return out;
}

/** Progress bars (unsquashfs) rewrite one line with \r: keep only what the terminal would show. */
export function collapseCarriageReturns(text: string): string {
  return text
    .split('\n')
    .map((line) => line.slice(line.lastIndexOf('\r') + 1))
    .join('\n');
}

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
          (timedOut ? `\ntimed out after ${timeout} ms` : notStarted ? `\n${child.shortMessage}` : ''),
        durationMs: Math.round(performance.now() - started),
      };
      if (timedOut && result.exitCode === 0) result.exitCode = 124;
      if (log) {
        if (!options.quietOutput) {
          const out = redact(collapseCarriageReturns(`${result.stdout}${result.stderr}`).trimEnd(), options.redact);
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

/**
 * Stand-in output for the few commands whose output a step consumes, so that a dry run walks the
 * whole plan: a password hash is computed, never applied, and looks like one.
 */
export const DRY_RUN_OUTPUT: Readonly<Record<string, string>> = {
  mkpasswd: '$y$j9T$dry.run$dry.run.hash\n',
  openssl: '$6$dry.run$dry.run.hash\n',
};

/** Dry run: logs what would run and reports success with empty output. Touches nothing. */
export function dryRunner(log?: LogLine, output: Readonly<Record<string, string>> = DRY_RUN_OUTPUT): CommandRunner {
  return {
    async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
      if (argv.length === 0) throw new Error('dryRunner: empty argv');
      log?.(`(dry-run) $ ${redact(argv.join(' '), options.redact)}`);
      return { argv: [...argv], exitCode: 0, stdout: output[argv[0] as string] ?? '', stderr: '', durationMs: 0 };
    },
  };
}

/**
 * Refuses any command whose argv contains a secret: secrets travel via stdin or files only,
 * because argv is visible to every user in /proc and ends up in logs.
 */
export function guardSecrets(inner: CommandRunner, secrets: () => readonly string[]): CommandRunner {
  return {
    run(argv, options) {
      for (const s of secrets()) {
        if (s && argv.some((a) => a.includes(s))) {
          return Promise.reject(
            new Error(`refusing to run ${argv[0] ?? '?'}: a secret would appear in its arguments (use stdin)`),
          );
        }
      }
      return inner.run(argv, options);
    },
  };
}

// DESIGN 5: /usr/sbin must be on PATH (sgdisk, lvm, mkfs.* live there).
function defaultPath(): string {
  const have = (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const p of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (!have.includes(p)) have.push(p);
  }
  return have.join(':');
}
