// The recording runner: records every call and answers from scripted rules, for tests and fault
// injection. Calls that match no rule go to `fallback` (e.g. the real runner, so a test can
// intercept only what this host cannot do) or succeed with empty output. Streaming children are
// recorded the same way: a rule's stdout becomes the stream, its exit status and stderr `done`'s.
import { PassThrough } from 'node:stream';
import { secretIn } from './dry.ts';
import {
  CommandError,
  type CommandResult,
  type CommandRunner,
  type RunOptions,
  type Runner,
  type StreamProcess,
  type StreamRunner,
} from './types.ts';

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
  /** stdin given to the command (test memory only: never logged); not kept for a stream */
  input?: string;
  /** the rule that answered it, or 'fallback' / 'default' */
  by: string;
  /** a stream's is known when it ends (-1 until then) */
  exitCode: number;
  /** true for runner.stream() */
  stream?: true;
}

export interface RecordingRunner extends Runner {
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
  /** streams go to it too when it can stream */
  fallback?: CommandRunner & Partial<StreamRunner>;
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
  const refuse = (argv: readonly string[]) => {
    if (argv.length === 0) throw new Error('recordingRunner: empty argv');
    const refused = secretIn(argv, opts.secrets?.() ?? []);
    if (refused) throw refused;
  };
  const ruleFor = (argv: readonly string[]) =>
    rules.find(
      (r) => (r.rule.times === undefined || r.used < r.rule.times) && matches(r.rule.match, argv),
    );
  const answer = async (
    hit: { rule: Rule; used: number } | undefined,
    argv: readonly string[],
    options: RunOptions,
  ): Promise<Response> => {
    const r = hit?.rule.respond;
    return typeof r === 'function' ? await r(argv, options) : (r ?? {});
  };
  const logCall = (hit: unknown, argv: readonly string[], exitCode: number, what = '') =>
    opts.log?.(
      `(${hit ? 'intercepted' : 'recorded'}${what}) $ ${argv.join(' ')}${exitCode ? ` -> exit ${exitCode}` : ''}`,
    );
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
      refuse(argv);
      const input =
        options.input === undefined
          ? undefined
          : String(typeof options.input === 'string' ? options.input : Buffer.from(options.input));
      const hit = ruleFor(argv);
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
      if (hit) hit.used++;
      const response = await answer(hit, argv, options);
      const result: CommandResult = {
        argv: [...argv],
        exitCode: response.exitCode ?? 0,
        stdout: response.stdout ?? '',
        stderr: response.stderr ?? '',
        durationMs: 0,
      };
      const by = hit ? (hit.rule.name ?? 'rule') : 'default';
      calls.push({ argv: [...argv], input, by, exitCode: result.exitCode });
      logCall(hit, argv, result.exitCode);
      if (result.stdout) options.onOutput?.(result.stdout);
      if (result.exitCode !== 0 && options.reject !== false) throw new CommandError(result);
      return result;
    },
    stream(argv, options = {}): StreamProcess {
      refuse(argv);
      const hit = ruleFor(argv);
      const fallback = hit ? undefined : opts.fallback?.stream?.bind(opts.fallback);
      const call: RecordedCall = {
        argv: [...argv],
        by: hit ? (hit.rule.name ?? 'rule') : fallback ? 'fallback' : 'default',
        exitCode: -1,
        stream: true,
      };
      calls.push(call);
      const settle = (p: Promise<CommandResult>) => {
        p.then(
          (r) => (call.exitCode = r.exitCode),
          (e: unknown) => (call.exitCode = e instanceof CommandError ? e.result.exitCode : -1),
        );
        return p;
      };
      if (fallback) {
        const child = fallback(argv, options);
        settle(child.done);
        return child;
      }
      if (hit) hit.used++;
      options.input?.resume(); // what the child would have read is drained
      const stdout = new PassThrough();
      let killed: NodeJS.Signals | undefined;
      let kill: (signal: NodeJS.Signals) => void = () => undefined;
      const done = new Promise<CommandResult>((resolve, reject) => {
        kill = (signal) => {
          killed = signal;
          stdout.end();
          const result = { argv: [...argv], exitCode: 143, stdout: '', stderr: '', durationMs: 0 };
          reject(new CommandError(result, `${argv.join(' ')} was killed by ${signal}`));
        };
        answer(hit, argv, { cwd: options.cwd, env: options.env, redact: options.redact }).then(
          (response) => {
            if (killed) return;
            const result: CommandResult = {
              argv: [...argv],
              exitCode: response.exitCode ?? 0,
              stdout: '',
              stderr: response.stderr ?? '',
              durationMs: 0,
            };
            logCall(hit, argv, result.exitCode, ' stream');
            if (response.stderr) options.onStderr?.(response.stderr);
            stdout.end(response.stdout ?? '');
            if (result.exitCode === 0) resolve(result);
            else
              reject(
                new CommandError(
                  result,
                  `${argv.join(' ')} exited with ${result.exitCode}${result.stderr ? `: ${result.stderr.trim()}` : ''}`,
                ),
              );
          },
          reject,
        );
      });
      return { stdout, done: settle(done), kill: (signal = 'SIGTERM') => kill(signal) };
    },
  };
  return self;
}
