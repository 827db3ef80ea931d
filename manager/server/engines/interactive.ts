// An interactive child (a console client such as `lxc-console`) as a terminal stream: argv only,
// never a shell; stdin/stdout pipes. Like watch.ts, a kind of process the command runner (run to
// completion, output captured) cannot run.
import { spawn } from 'node:child_process';
import type { TerminalStream } from '../consoles.ts';

export function spawnTerminal(
  argv: readonly string[],
  opts: { mapInput?: (d: Buffer) => Buffer; log?: (l: string) => void } = {},
): TerminalStream {
  const [file, ...args] = argv;
  const c = spawn(file as string, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let closed = false;
  c.stdin.on('error', () => {}); // the child went away while we wrote: 'close' follows
  c.stderr.setEncoding('utf8').on('data', (d: string) => opts.log?.(`${file}: ${d.trim()}`));
  c.on('error', (err) => opts.log?.(`${file}: ${err.message}`));
  return {
    write: (data) => {
      if (closed || !c.stdin.writable) return;
      const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
      c.stdin.write(opts.mapInput ? opts.mapInput(b) : b);
    },
    onData: (cb) => c.stdout.on('data', (d: Buffer) => cb(d)),
    onClose: (cb) => c.once('close', cb),
    close: () => {
      if (closed) return;
      closed = true;
      c.stdin.end();
      c.kill('SIGTERM');
    },
  };
}

/**
 * lxc-console reads Ctrl-a as the start of its escape (Ctrl-a q leaves); a Ctrl-a from the user is
 * sent doubled, which lxc-console passes on as one Ctrl-a: the console is transparent.
 */
export function doubleEscape(d: Buffer, escape = 0x01): Buffer {
  if (!d.includes(escape)) return d;
  const out: number[] = [];
  for (const b of d) {
    out.push(b);
    if (b === escape) out.push(b);
  }
  return Buffer.from(out);
}
