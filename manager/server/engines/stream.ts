// A child whose stdout or stdin is a byte stream (tar of a container's root file system sent to
// another node): argv only, never a shell. Like watch.ts and interactive.ts, a kind of process the
// command runner (run to completion, output captured as text) cannot run.
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export interface StreamChild {
  /** resolves when the child exits 0; rejects naming its exit status and the end of its stderr */
  done: Promise<void>;
  kill(): void;
}

function child(argv: readonly string[], stdio: 'reader' | 'writer') {
  const [file, ...args] = argv;
  const c = spawn(file as string, args, {
    stdio: stdio === 'reader' ? ['ignore', 'pipe', 'pipe'] : ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  c.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
  const done = new Promise<void>((resolve, reject) => {
    c.once('error', reject);
    c.once('close', (code, signal) =>
      code === 0
        ? resolve()
        : reject(
            new Error(
              `${argv.join(' ')} exited with ${code ?? signal}${stderr.trim() ? `: ${stderr.trim()}` : ''}`,
            ),
          ),
    );
  });
  return { c, done, kill: () => c.kill('SIGTERM') };
}

/** runs argv with its stdout as a stream */
export function spawnReader(argv: readonly string[]): StreamChild & { stdout: Readable } {
  const { c, done, kill } = child(argv, 'reader');
  return { stdout: c.stdout as Readable, done, kill };
}

/** runs argv with its stdin as a stream */
export function spawnWriter(argv: readonly string[]): StreamChild & { stdin: Writable } {
  const { c, done, kill } = child(argv, 'writer');
  c.stdin?.on('error', () => {}); // the child went away while we wrote: `done` says why
  return { stdin: c.stdin as Writable, done, kill };
}
