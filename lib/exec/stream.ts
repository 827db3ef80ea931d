// The runner's streaming mode: a child whose stdin and/or stdout are byte streams (a container's
// root file system as tar to or from a peer, a console client, an event loop that never ends by
// itself), which run() (to completion, output captured as text) cannot carry. argv only, never a
// shell; logged, redacted and refused with secrets in argv like run() (factory.ts wraps it).
// node:child_process, not execa: a stream needs no output capture, and this path stays light.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { Readable, type Writable } from 'node:stream';
import { defaultPath } from './path.ts';
import { redact } from './redact.ts';
import {
  CommandError,
  type CommandResult,
  type LogLine,
  type StreamOptions,
  type StreamProcess,
  type StreamRunner,
} from './types.ts';

/** how much of stderr the result and the error keep */
export const STDERR_TAIL = 4000;

/**
 * `input` into the child's stdin. Not stream.pipeline: a child that has read all it needs may exit
 * before `input` ends (tar -x reads the end-of-archive record and exits while the HTTP request's
 * end is still on its way), Node then destroys the child's stdin, and a pipeline calls that
 * "Premature close". Here the rest of `input` is drained instead, so its sender is never stalled,
 * and the child's own exit status decides.
 */
function feed(input: Readable, stdin: Writable): void {
  stdin.once('error', () => {}); // EPIPE: the child went away while we wrote; `done` says why
  input.pipe(stdin);
  stdin.once('close', () => {
    input.unpipe(stdin);
    input.resume();
  });
}

/** exit status as a shell reports it: the code, or 128 + the signal's number */
function statusOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
}

export function streamRunner(log?: LogLine): StreamRunner {
  return {
    stream(argv: readonly string[], options: StreamOptions = {}): StreamProcess {
      const [file, ...args] = argv;
      if (!file) throw new Error('streamRunner: empty argv');
      const shown = redact(argv.join(' '), options.redact);
      log?.(`$ ${shown}`);
      const started = performance.now();
      const child = spawn(file, args, {
        cwd: options.cwd,
        env: { ...process.env, PATH: defaultPath(), ...options.env },
        stdio: [options.input ? 'pipe' : 'ignore', options.stdout ?? 'pipe', 'pipe'],
      });
      if (options.input && child.stdin) feed(options.input, child.stdin);
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (d: string) => {
        stderr = (stderr + d).slice(-STDERR_TAIL);
        options.onStderr?.(redact(d, options.redact));
      });
      const done = new Promise<CommandResult>((resolve, reject) => {
        let spawnError: Error | undefined;
        child.once('error', (err) => (spawnError = err));
        child.once('close', (code, signal) => {
          const tail = redact(
            (stderr + (spawnError ? `\n${spawnError.message}` : '')).trim(),
            options.redact,
          );
          // a program that could not start closes with a negative errno: 127, as a shell says
          const exitCode = spawnError && !signal && (code ?? -1) < 0 ? 127 : statusOf(code, signal);
          const result: CommandResult = {
            argv: [...argv],
            exitCode,
            stdout: '',
            stderr: tail,
            durationMs: Math.round(performance.now() - started),
          };
          if (exitCode === 0) return resolve(result);
          const how = signal ? `was killed by ${signal}` : `exited with ${exitCode}`;
          if (log) {
            if (tail) log(tail);
            log(`(exit ${exitCode}${signal ? `, ${signal}` : ''})`);
          }
          reject(new CommandError(result, `${shown} ${how}${tail ? `: ${tail}` : ''}`));
        });
      });
      return {
        stdout: child.stdout ?? Readable.from([]),
        done,
        kill: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        },
      };
    },
  };
}
