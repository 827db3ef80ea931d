// The recording runner: records every call and answers from scripted rules, for tests and fault
// injection. Calls that match no rule go to `fallback` (e.g. the real runner, so a test can
// intercept only what this host cannot do) or succeed with empty output.
import { CommandError, type CommandResult, type CommandRunner, type RunOptions } from './types.ts';

/** argv prefix (each element a string to equal or a RegExp to test), a RegExp over the joined argv, or a predicate */
export type Matcher =
  readonly (string | RegExp)[] | RegExp | ((argv: readonly string[]) => boolean);

export interface Response {
  exitCode?: number;
  stdout?: string;
  stderr?: string;
}

export interface Rule {
  match: Matcher;
  /** fixed response or computed from the call; omitted = success with empty output */
  respond?:
    Response | ((argv: readonly string[], options: RunOptions) => Response | Promise<Response>);
  /** how many calls this rule answers before it stops matching; default unlimited */
  times?: number;
  /** optional label, shown in recorded calls */
  name?: string;
}

export interface RecordedCall {
  argv: string[];
  /** stdin given to the command (test memory only: never logged) */
  input?: string;
  /** the rule that answered it, or 'fallback' / 'default' */
  by: string;
  exitCode: number;
}

export interface RecordingRunner extends CommandRunner {
  readonly calls: RecordedCall[];
  /** add a rule; rules added later are consulted first */
  on(rule: Rule): RecordingRunner;
  /** shorthand: the nth (1-based) call matching `match` fails with exitCode and stderr */
  failOn(
    match: Matcher,
    opts?: { exitCode?: number; stderr?: string; nth?: number },
  ): RecordingRunner;
}

export function matches(match: Matcher, argv: readonly string[]): boolean {
  if (typeof match === 'function') return match(argv);
  if (match instanceof RegExp) return match.test(argv.join(' '));
  if (match.length > argv.length) return false;
  return match.every((m, i) => {
    const a = argv[i] ?? '';
    return typeof m === 'string' ? a === m : m.test(a);
  });
}

export interface RecordingOptions {
  rules?: Rule[];
  fallback?: CommandRunner;
  log?: (line: string) => void;
  /** values that must never appear in argv (see guardSecrets) */
  secrets?: () => readonly string[];
}

export function recordingRunner(opts: RecordingOptions = {}): RecordingRunner {
  const rules: { rule: Rule; used: number }[] = (opts.rules ?? []).map((rule) => ({
    rule,
    used: 0,
  }));
  const calls: RecordedCall[] = [];
  const self: RecordingRunner = {
    calls,
    on(rule) {
      rules.unshift({ rule, used: 0 });
      return self;
    },
    failOn(match, { exitCode = 1, stderr = 'injected failure', nth = 1 } = {}) {
      let seen = 0;
      return self.on({
        name: `fail:${String(match)}`,
        match: (argv) => matches(match, argv) && ++seen === nth,
        respond: { exitCode, stderr },
        times: 1,
      });
    },
    async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
      if (argv.length === 0) throw new Error('recordingRunner: empty argv');
      for (const s of opts.secrets?.() ?? []) {
        if (s && argv.some((a) => a.includes(s))) {
          throw new Error(
            `refusing to run ${argv[0]}: a secret would appear in its arguments (use stdin)`,
          );
        }
      }
      const input =
        options.input === undefined
          ? undefined
          : String(typeof options.input === 'string' ? options.input : Buffer.from(options.input));
      const hit = rules.find(
        (r) => (r.rule.times === undefined || r.used < r.rule.times) && matches(r.rule.match, argv),
      );
      if (!hit && opts.fallback) {
        try {
          const result = await opts.fallback.run(argv, options);
          calls.push({ argv: [...argv], input, by: 'fallback', exitCode: result.exitCode });
          return result;
        } catch (err) {
          calls.push({
            argv: [...argv],
            input,
            by: 'fallback',
            exitCode: err instanceof CommandError ? err.result.exitCode : -1,
          });
          throw err;
        }
      }
      let response: Response = {};
      if (hit) {
        hit.used++;
        const r = hit.rule.respond;
        response = typeof r === 'function' ? await r(argv, options) : (r ?? {});
      }
      const result: CommandResult = {
        argv: [...argv],
        exitCode: response.exitCode ?? 0,
        stdout: response.stdout ?? '',
        stderr: response.stderr ?? '',
        durationMs: 0,
      };
      const by = hit ? (hit.rule.name ?? 'rule') : 'default';
      calls.push({ argv: [...argv], input, by, exitCode: result.exitCode });
      opts.log?.(
        `(${hit ? 'intercepted' : 'recorded'}) $ ${argv.join(' ')}${result.exitCode ? ` -> exit ${result.exitCode}` : ''}`,
      );
      if (result.stdout) options.onOutput?.(result.stdout);
      if (result.exitCode !== 0 && options.reject !== false) throw new CommandError(result);
      return result;
    },
  };
  return self;
}
