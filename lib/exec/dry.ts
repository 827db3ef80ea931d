// Runner modes without execa: the dry run (logs, touches nothing) and the secret guard every mode
// is wrapped in.
import type { CommandResult, LogLine, RunOptions, Runner } from './types.ts';
import { redact } from './redact.ts';

/**
 * Stand-in output for the few commands whose output a step consumes, so that a dry run walks the
 * whole plan: a password hash is computed, never applied, and looks like one.
 */
export const DRY_RUN_OUTPUT: Readonly<Record<string, string>> = {
  mkpasswd: '$y$j9T$dry.run$dry.run.hash\n',
  openssl: '$6$dry.run$dry.run.hash\n',
};

/**
 * Dry run: logs what would run and reports success with empty output. Touches nothing. A streaming
 * child is refused: its bytes (a root file system, a console) cannot be stood in for.
 */
export function dryRunner(
  log?: LogLine,
  output: Readonly<Record<string, string>> = DRY_RUN_OUTPUT,
): Runner {
  return {
    stream(argv, options = {}) {
      const shown = redact(argv.join(' '), options.redact);
      log?.(`(dry-run) refused: $ ${shown}`);
      throw new Error(`dry run: a streaming command is not run (${shown})`);
    },
    async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
      if (argv.length === 0) throw new Error('dryRunner: empty argv');
      log?.(`(dry-run) $ ${redact(argv.join(' '), options.redact)}`);
      return {
        argv: [...argv],
        exitCode: 0,
        stdout: output[argv[0] as string] ?? '',
        stderr: '',
        durationMs: 0,
      };
    },
  };
}

/**
 * Refuses any command whose argv contains a secret: secrets travel via stdin or files only,
 * because argv is visible to every user in /proc and ends up in logs.
 */
export function guardSecrets(inner: Runner, secrets: () => readonly string[]): Runner {
  return {
    run(argv, options) {
      const refused = secretIn(argv, secrets());
      return refused ? Promise.reject(refused) : inner.run(argv, options);
    },
    stream(argv, options) {
      const refused = secretIn(argv, secrets());
      if (refused) throw refused;
      return inner.stream(argv, options);
    },
  };
}

/** the error refusing argv when a secret appears in it, or undefined */
export function secretIn(argv: readonly string[], secrets: readonly string[]): Error | undefined {
  for (const s of secrets) {
    if (s && argv.some((a) => a.includes(s)))
      return new Error(
        `refusing to run ${argv[0] ?? '?'}: a secret would appear in its arguments (use stdin)`,
      );
  }
  return undefined;
}
