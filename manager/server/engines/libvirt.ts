// All libvirt access in one place, through `virsh` and the command runner. Domain states are
// kept from one `virsh list` plus one long-lived `virsh event --all --loop` child, so listing
// guests never spawns a process per guest and an outside change shows within the event latency.
import { writeFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Runner } from '../../../lib/exec/index.ts';
import { watchLines, type Watcher } from './watch.ts';
import { VersionedMap } from '../cache.ts';

export type DomainState =
  | 'running'
  | 'shut off'
  | 'paused'
  | 'in shutdown'
  | 'crashed'
  | 'pmsuspended'
  | 'idle'
  | 'blocked'
  | 'unknown';

/** `virsh list --all` table -> name -> state */
export function parseVirshList(out: string): Map<string, DomainState> {
  const states = new Map<string, DomainState>();
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+|-)\s+(\S+)\s+(.+?)\s*$/.exec(line);
    if (!m || m[1] === 'Id') continue;
    states.set(m[2] as string, m[3] as DomainState);
  }
  return states;
}

export interface LifecycleEvent {
  domain: string;
  /** libvirt's event name: Started, Stopped, Defined, Undefined, Suspended, Resumed, Shutdown, ... */
  event: string;
  detail: string;
}

/** one line of `virsh event --all --loop`: event 'lifecycle' for domain 'vm-100': Stopped Destroyed */
export function parseLifecycleLine(line: string): LifecycleEvent | null {
  const m = /event 'lifecycle' for domain '([^']+)': (\S+)\s*(.*)$/.exec(line);
  return m ? { domain: m[1] as string, event: m[2] as string, detail: (m[3] ?? '').trim() } : null;
}

/** what a lifecycle event means for the domain's state; null = ask libvirt */
export function stateAfter(e: LifecycleEvent): DomainState | null {
  switch (e.event) {
    case 'Started':
    case 'Resumed':
      return 'running';
    case 'Stopped':
      return 'shut off';
    case 'Suspended':
      return 'paused';
    case 'Crashed':
      return 'crashed';
    case 'PMSuspended':
      return 'pmsuspended';
    case 'Shutdown':
      return e.detail.startsWith('Finished') ? null : 'in shutdown';
    default:
      return null;
  }
}

export class Libvirt {
  private readonly states = new VersionedMap<string, DomainState>();
  private watcher: Watcher | null = null;
  constructor(
    private readonly runner: Runner,
    readonly uri: string,
    private readonly tmpDir: string,
    private readonly onState: (domain: string, state: DomainState | null) => void = () => {},
  ) {}

  private virsh(args: string[], timeoutMs = 120_000) {
    return this.runner.run(['virsh', '-q', '-c', this.uri, ...args], { timeoutMs });
  }

  async refresh(): Promise<void> {
    const r = await this.virsh(['list', '--all']);
    this.states.sync(parseVirshList(r.stdout), this.onState);
  }

  /** starts the event child; resyncs from `virsh list` every time it (re)connects */
  watch(log?: (l: string) => void): void {
    if (this.watcher) return;
    this.watcher = watchLines(
      this.runner,
      ['virsh', '-c', this.uri, 'event', '--all', '--loop'],
      (line) => {
        const e = parseLifecycleLine(line);
        if (!e) return;
        const st = stateAfter(e);
        if (e.event === 'Undefined') {
          this.states.delete(e.domain);
          this.onState(e.domain, null);
        } else if (st) {
          this.states.set(e.domain, st);
          this.onState(e.domain, st);
        } else void this.refresh().catch(() => {});
      },
      {
        onStart: () => void this.refresh().catch((err: Error) => log?.(`libvirt: ${err.message}`)),
        log,
      },
    );
  }

  stop(): void {
    this.watcher?.stop();
    this.watcher = null;
  }

  state(domain: string): DomainState | undefined {
    return this.states.get(domain);
  }

  /** goes up whenever a domain's state changes (list caches key on it) */
  get version(): number {
    return this.states.version;
  }

  domains(): ReadonlyMap<string, DomainState> {
    return this.states;
  }

  async define(xml: string): Promise<void> {
    const file = path.join(this.tmpDir, `domain-${randomBytes(4).toString('hex')}.xml`);
    writeFileSync(file, xml, { mode: 0o600 });
    try {
      await this.virsh(['define', file]);
    } finally {
      unlinkSync(file);
    }
    await this.refresh();
  }

  async start(domain: string): Promise<void> {
    await this.virsh(['start', domain]);
    this.states.set(domain, 'running');
  }

  /** ACPI power button; the caller waits for 'shut off' */
  async shutdown(domain: string): Promise<void> {
    await this.virsh(['shutdown', domain, '--mode', 'acpi']);
  }

  async destroy(domain: string): Promise<void> {
    await this.virsh(['destroy', domain]);
    this.states.set(domain, 'shut off');
  }

  async reboot(domain: string): Promise<void> {
    await this.virsh(['reboot', domain]);
  }

  async undefine(domain: string, nvram: boolean): Promise<void> {
    await this.virsh(['undefine', domain, ...(nvram ? ['--nvram'] : [])]);
    this.states.delete(domain);
  }

  /** the pty of the domain's serial console (a running domain with a `pty` serial port) */
  async serialPty(domain: string): Promise<string> {
    const r = await this.virsh(['ttyconsole', domain], 30_000);
    const dev = r.stdout.trim();
    if (!/^\/dev\/pts\/\d+$/.test(dev)) throw new Error(`${domain} has no pty serial console`);
    return dev;
  }

  /** the live domain XML */
  async liveXml(domain: string): Promise<string> {
    return (await this.virsh(['dumpxml', domain], 30_000)).stdout;
  }

  async setVcpus(domain: string, n: number): Promise<void> {
    await this.virsh(['setvcpus', domain, String(n), '--live']);
  }

  async setMemory(domain: string, mib: number): Promise<void> {
    await this.virsh(['setmem', domain, `${mib}M`, '--live']);
  }
}
