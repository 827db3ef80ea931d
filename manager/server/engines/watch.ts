// A long-lived event child (`virsh event --loop`, `lxc-monitor`) through the runner's streaming
// mode: it never ends by itself, so its stdout is read line by line; restarted with a back-off when
// it dies (libvirtd restarts end the event stream), `onStart` resyncs.
import type { StreamProcess, StreamRunner } from '../../../lib/exec/index.ts';

export interface Watcher {
  stop(): void;
}

export function watchLines(
  runner: StreamRunner,
  argv: readonly string[],
  onLine: (line: string) => void,
  opts: { onStart?: () => void; log?: (l: string) => void } = {},
): Watcher {
  let child: StreamProcess | null = null;
  let stopped = false;
  let delay = 200;
  let timer: NodeJS.Timeout | null = null;
  const start = () => {
    if (stopped) return;
    const c = runner.stream(argv, {
      onStderr: (chunk) => opts.log?.(`${argv[0]}: ${chunk.trim()}`),
    });
    child = c;
    let buf = '';
    const startedAt = Date.now();
    c.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) onLine(line);
      }
    });
    const ended = () => {
      child = null;
      if (stopped) return;
      // a child that lived a while restarts quickly; one that dies at once backs off
      delay = Date.now() - startedAt > 5000 ? 200 : Math.min(delay * 2, 10_000);
      timer = setTimeout(start, delay);
    };
    c.done.then(ended, (err: Error) => {
      if (!stopped) opts.log?.(`${argv[0]}: ${err.message.split('\n')[0]}`);
      ended();
    });
    opts.onStart?.();
  };
  start();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      child?.kill();
    },
  };
}
