// A long-lived event child (`virsh event --loop`, `lxc-monitor`): the one kind of process the
// command runner cannot run, because it never ends by itself. argv only, never a shell; restarted
// with a back-off when it dies (libvirtd restarts end the event stream), `onRestart` resyncs.
import { spawn, type ChildProcess } from 'node:child_process';

export interface Watcher {
  stop(): void;
}

export function watchLines(
  argv: readonly string[],
  onLine: (line: string) => void,
  opts: { onStart?: () => void; log?: (l: string) => void } = {},
): Watcher {
  let child: ChildProcess | null = null;
  let stopped = false;
  let delay = 200;
  let timer: NodeJS.Timeout | null = null;
  const start = () => {
    if (stopped) return;
    const [file, ...args] = argv;
    const c = spawn(file as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    let buf = '';
    const startedAt = Date.now();
    c.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) onLine(line);
      }
    });
    c.stderr
      ?.setEncoding('utf8')
      .on('data', (chunk: string) => opts.log?.(`${argv[0]}: ${chunk.trim()}`));
    c.on('error', (err) => opts.log?.(`${argv[0]}: ${err.message}`));
    c.on('close', () => {
      child = null;
      if (stopped) return;
      // a child that lived a while restarts quickly; one that dies at once backs off
      delay = Date.now() - startedAt > 5000 ? 200 : Math.min(delay * 2, 10_000);
      timer = setTimeout(start, delay);
    });
    opts.onStart?.();
  };
  start();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      child?.kill('SIGTERM');
    },
  };
}
