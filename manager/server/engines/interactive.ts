// An interactive child (a console client such as `lxc-console`) as a terminal stream, through the
// runner's streaming mode: argv only, never a shell; what the user types is its stdin, its stdout
// goes to the terminal.
import { PassThrough } from 'node:stream';
import type { StreamRunner } from '../../../lib/exec/index.ts';
import type { TerminalStream } from '../consoles.ts';

export function spawnTerminal(
  runner: StreamRunner,
  argv: readonly string[],
  opts: { mapInput?: (d: Buffer) => Buffer; log?: (l: string) => void } = {},
): TerminalStream {
  const file = argv[0] ?? '?';
  const input = new PassThrough();
  const c = runner.stream(argv, {
    input,
    onStderr: (d) => opts.log?.(`${file}: ${d.trim()}`),
  });
  let closed = false;
  const exited = c.done.then(
    () => undefined,
    (err: Error) => {
      if (!closed) opts.log?.(`${file}: ${err.message.split('\n')[0]}`);
    },
  );
  return {
    write: (data) => {
      if (closed || input.writableEnded) return;
      const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
      input.write(opts.mapInput ? opts.mapInput(b) : b);
    },
    onData: (cb) => c.stdout.on('data', (d: Buffer) => cb(d)),
    onClose: (cb) => void exited.then(cb),
    close: () => {
      if (closed) return;
      closed = true;
      input.end();
      c.kill();
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
