// All LXC access in one place: lxc-* tools with `-P <lxcpath>` (our own config, never LXC's
// default.conf), through the command runner. States come from one `lxc-ls` and one long-lived
// `lxc-monitor` child.
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { CommandResult, Runner } from '../../../lib/exec/index.ts';
import { watchLines, type Watcher } from './watch.ts';
import { doubleEscape, spawnTerminal } from './interactive.ts';
import type { TerminalStream } from '../consoles.ts';
import { VersionedMap } from '../cache.ts';

export type CtState =
  | 'RUNNING'
  | 'STOPPED'
  | 'STARTING'
  | 'STOPPING'
  | 'ABORTING'
  | 'FREEZING'
  | 'FROZEN'
  | 'THAWED'
  | 'unknown';

/** `lxc-ls -f -F NAME,STATE` -> name -> state */
export function parseLxcLs(out: string): Map<string, CtState> {
  const states = new Map<string, CtState>();
  for (const line of out.split('\n').slice(1)) {
    const m = /^(\S+)\s+(\S+)/.exec(line.trim());
    if (m) states.set(m[1] as string, m[2] as CtState);
  }
  return states;
}

/** 'ct-200' changed state to [RUNNING] */
export function parseMonitorLine(line: string): { name: string; state: CtState } | null {
  const m = /^'([^']+)' changed state to \[(\w+)\]/.exec(line);
  return m ? { name: m[1] as string, state: m[2] as CtState } : null;
}

export class Lxc {
  private readonly states = new VersionedMap<string, CtState>();
  private watcher: Watcher | null = null;
  constructor(
    private readonly runner: Runner,
    readonly lxcPath: string,
    private readonly onState: (name: string, state: CtState | null) => void = () => {},
  ) {}

  private lxc(
    tool: string,
    name: string | null,
    args: string[] = [],
    timeoutMs = 120_000,
  ): Promise<CommandResult> {
    return this.runner.run([tool, '-P', this.lxcPath, ...(name ? ['-n', name] : []), ...args], {
      timeoutMs,
    });
  }

  async refresh(): Promise<void> {
    const r = await this.lxc('lxc-ls', null, ['-f', '-F', 'NAME,STATE']);
    this.states.sync(parseLxcLs(r.stdout), this.onState);
  }

  watch(log?: (l: string) => void): void {
    if (this.watcher) return;
    this.watcher = watchLines(
      this.runner,
      ['lxc-monitor', '-P', this.lxcPath, '-n', '.*'],
      (line) => {
        const e = parseMonitorLine(line);
        if (!e) return;
        this.states.set(e.name, e.state);
        this.onState(e.name, e.state);
      },
      {
        onStart: () => void this.refresh().catch((err: Error) => log?.(`lxc: ${err.message}`)),
        log,
      },
    );
  }

  stop(): void {
    this.watcher?.stop();
    this.watcher = null;
  }

  /** goes up whenever a container's state changes (list caches key on it) */
  get version(): number {
    return this.states.version;
  }

  state(name: string): CtState | undefined {
    return this.states.get(name);
  }

  /** `overrides` is appended to the config lxc-create wrote (templates add keys of their own) */
  async create(
    name: string,
    configFile: string,
    template: { kind: 'lxc'; name: string } | { kind: 'none' },
    rootfsDir: string | null,
    overrides = '',
  ): Promise<void> {
    const backing = rootfsDir ? ['-B', 'dir', '--dir', rootfsDir] : [];
    const tpl = template.kind === 'lxc' ? ['-t', template.name] : ['-t', 'none'];
    await this.lxc('lxc-create', name, ['-f', configFile, ...tpl, ...backing], 600_000);
    if (overrides) appendFileSync(path.join(this.lxcPath, name, 'config'), overrides);
    this.states.set(name, 'STOPPED');
    this.onState(name, 'STOPPED');
  }

  /**
   * `lxc-start -d` returns once LXC reports RUNNING (and fails if the start fails): no lxc-wait.
   * It runs on the runner's streaming path (node:child_process, logged and redacted like run()):
   * the start is the hot command of the container budget and execa costs ~3.5 ms more per command
   * here; lxc-start prints nothing on stdout, and `done` keeps the tail of its stderr. A failed
   * start names LXC's own reasons: the ERROR lines of `<lxcpath>/<name>/start.log`.
   */
  async start(name: string, timeoutMs = 120_000): Promise<void> {
    const log = path.join(this.lxcPath, name, 'start.log');
    rmSync(log, { force: true });
    const child = this.runner.stream(
      ['lxc-start', '-P', this.lxcPath, '-n', name, '-d', '-o', log, '-l', 'WARN'],
      { stdout: 'ignore' },
    );
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    try {
      await child.done;
    } catch (err) {
      const what = timedOut
        ? new Error(`lxc-start -n ${name} timed out after ${timeoutMs} ms`, { cause: err })
        : (err as Error);
      const why = lxcLogErrors(existsSync(log) ? readFileSync(log, 'utf8') : '');
      if (!why.length) throw what;
      throw new Error(`${what.message}\nLXC's log (${log}):\n${why.join('\n')}`, {
        cause: err,
      });
    } finally {
      clearTimeout(timer);
    }
    this.states.set(name, 'RUNNING');
  }

  /** clean shutdown (the init's halt signal) with a timeout, after which LXC kills it */
  async shutdown(name: string, timeoutS: number): Promise<void> {
    await this.lxc('lxc-stop', name, ['-t', String(timeoutS)], (timeoutS + 30) * 1000);
    this.states.set(name, 'STOPPED');
  }

  async kill(name: string): Promise<void> {
    await this.lxc('lxc-stop', name, ['-k']);
    this.states.set(name, 'STOPPED');
  }

  async destroy(name: string): Promise<void> {
    await this.lxc('lxc-destroy', name, []);
    this.states.delete(name);
  }

  /** runs argv in the container with a clean environment; the result, not an exception, for exit != 0 */
  async exec(name: string, argv: readonly string[], timeoutMs = 60_000): Promise<CommandResult> {
    return this.runner.run(
      ['lxc-attach', '-P', this.lxcPath, '-n', name, '--clear-env', '--', ...argv],
      { timeoutMs, reject: false },
    );
  }

  /**
   * The container's console (/dev/console, tty 0) as a terminal stream. `lxc-console` runs with
   * pipes, no tty of its own: LXC hands it the console pty's master over its command socket, so
   * the container side is a real terminal; a user's Ctrl-a is doubled past its escape key.
   */
  console(name: string, log?: (l: string) => void): TerminalStream {
    return spawnTerminal(this.runner, ['lxc-console', '-P', this.lxcPath, '-n', name, '-t', '0'], {
      mapInput: (d) => doubleEscape(d),
      log,
    });
  }
}

/** The last `max` ERROR lines of an LXC log, without LXC's timestamp and source prefix. */
export function lxcLogErrors(text: string, max = 8): string[] {
  return text
    .split('\n')
    .filter((l) => / ERROR /.test(l))
    .map((l) => l.replace(/^.*? ERROR\s+/, '').trim())
    .slice(-max);
}
