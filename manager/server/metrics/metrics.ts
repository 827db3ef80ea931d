// The usage sampler and its store. Every 10 s: the node from /proc and statfs of /, running VMs from
// ONE `virsh domstats` (none when no VM runs), running containers from their cgroup files; counters
// become rates here. Series live in memory (rrd.ts) and are written to DIR/metrics every 5 minutes
// and at shutdown (atomic, fixed size per series); a series not updated for a week is dropped.
import { readdirSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import path from 'node:path';
import type { CommandRunner } from '../../../lib/exec/index.ts';
import { writeFileAtomic } from '../../../lib/fs.ts';
import {
  GUEST_FIELDS,
  NODE_FIELDS,
  type GuestMetricPoint,
  type NodeMetricPoint,
  type Timeframe,
} from '../../../contracts/manager/metrics.ts';
import { Series, TIERS } from './rrd.ts';
import {
  nodeInterface,
  parseBlkio,
  parseCpuStat,
  parseDomstats,
  parseIoStat,
  parseLoadavg,
  parseMeminfo,
  parseNetDev,
  parseProcStat,
} from './proc.ts';

export interface GuestRef {
  kind: 'vm' | 'ct';
  id: number;
  /** MiB, from the guest's config */
  memory: number;
  /** vCPUs / cores the CPU fraction is relative to */
  cpus: number;
  running: boolean;
}

export interface MetricsDeps {
  dir: string;
  runner: CommandRunner;
  libvirtUri: string;
  guests(): GuestRef[];
  cgroup: 'v1' | 'v2';
  log(line: string): void;
  /** roots, for tests */
  proc?: string;
  cgroupRoot?: string;
  /** ms */
  now?: () => number;
}

interface Counters {
  at: number;
  cpu: number;
  rx: number;
  tx: number;
  read: number;
  write: number;
}

const WEEK_S = 7 * 86400;
const KEY = /^(node|vm-\d+|ct-\d+)\.rrd$/;

export class Metrics {
  private readonly series = new Map<string, Series>();
  private readonly prev = new Map<string, Counters & { idle?: number }>();
  private timer: NodeJS.Timeout | null = null;
  private saver: NodeJS.Timeout | null = null;
  private busy = false;
  /** what sampling costs: samples taken, CPU µs spent in them, subprocesses started */
  readonly stats = { samples: 0, cpuMicros: 0, subprocesses: 0 };
  private readonly proc: string;
  private readonly cg: string;
  private readonly now: () => number;

  constructor(private readonly deps: MetricsDeps) {
    this.proc = deps.proc ?? '/proc';
    this.cg = deps.cgroupRoot ?? '/sys/fs/cgroup';
    this.now = deps.now ?? Date.now;
    let files: string[] = [];
    try {
      files = readdirSync(deps.dir);
    } catch {
      /* first start */
    }
    for (const f of files) {
      const m = KEY.exec(f);
      if (!m) continue;
      const key = (m[1] as string).replace('-', '/');
      const fields = key === 'node' ? NODE_FIELDS.length : GUEST_FIELDS.length;
      let s: Series | null;
      try {
        s = Series.parse(readFileSync(path.join(deps.dir, f)), fields);
      } catch {
        s = null;
      }
      if (s) this.series.set(key, s);
      else
        deps.log(
          `metrics: ${path.join(deps.dir, f)} is damaged or of another version: starting it anew`,
        );
    }
  }

  start(intervalMs = 10_000, saveMs = 5 * 60_000): void {
    if (this.timer) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), intervalMs).unref();
    this.saver = setInterval(() => this.save(), saveMs).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.saver) clearInterval(this.saver);
    this.timer = this.saver = null;
    this.save();
  }

  private read(file: string): string | null {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return null;
    }
  }

  private put(key: string, fields: number, time: number, values: number[]): void {
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = new Series(fields)));
    s.add(time, values);
  }

  /** rate of a counter since the last sample; null on the first sample or after a reset */
  private rates(key: string, c: Counters): Counters | null {
    const p = this.prev.get(key);
    this.prev.set(key, c);
    const dt = (c.at - (p?.at ?? 0)) / 1000;
    if (!p || dt <= 0) return null;
    const r = (a: number, b: number) => Math.max(0, (a - b) / dt);
    if (c.cpu < p.cpu) return null;
    return {
      at: dt,
      cpu: r(c.cpu, p.cpu),
      rx: r(c.rx, p.rx),
      tx: r(c.tx, p.tx),
      read: r(c.read, p.read),
      write: r(c.write, p.write),
    };
  }

  /** one sample of the node and of every running guest */
  async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const cpu0 = process.cpuUsage();
    try {
      const at = this.now();
      const time = Math.floor(at / 1000);
      this.sampleNode(at, time);
      const guests = this.deps.guests();
      for (const g of guests) if (g.kind === 'ct' && g.running) this.sampleCt(g, at, time);
      const vms = guests.filter((g) => g.kind === 'vm' && g.running);
      if (vms.length) await this.sampleVms(vms, time);
      const live = new Set(guests.filter((g) => g.running).map((g) => `${g.kind}/${g.id}`));
      for (const k of this.prev.keys()) if (k !== 'node' && !live.has(k)) this.prev.delete(k);
      this.stats.samples++;
    } catch (err) {
      this.deps.log(`metrics: ${(err as Error).message.split('\n')[0]}`);
    } finally {
      const d = process.cpuUsage(cpu0);
      this.stats.cpuMicros += d.user + d.system;
      this.busy = false;
    }
  }

  private sampleNode(at: number, time: number): void {
    const stat = parseProcStat(this.read(`${this.proc}/stat`) ?? '');
    const mem = parseMeminfo(this.read(`${this.proc}/meminfo`) ?? '');
    const load = parseLoadavg(this.read(`${this.proc}/loadavg`) ?? '');
    let rx = 0;
    let tx = 0;
    for (const [name, v] of parseNetDev(this.read(`${this.proc}/net/dev`) ?? ''))
      if (nodeInterface(name)) {
        rx += v.rx;
        tx += v.tx;
      }
    const p = this.prev.get('node');
    const r = this.rates('node', { at, cpu: stat.total, rx, tx, read: 0, write: 0 });
    const prevIdle = p?.idle;
    (this.prev.get('node') as Counters & { idle?: number }).idle = stat.idle;
    if (!r || prevIdle === undefined || !p) return;
    const dTotal = stat.total - p.cpu;
    const cpu = dTotal > 0 ? Math.min(1, Math.max(0, 1 - (stat.idle - prevIdle) / dTotal)) : 0;
    let rootTotal = 0;
    let rootUsed = 0;
    try {
      const fs = statfsSync('/');
      rootTotal = fs.blocks * fs.bsize;
      rootUsed = (fs.blocks - fs.bfree) * fs.bsize;
    } catch {
      /* reported as 0 */
    }
    this.put('node', NODE_FIELDS.length, time, [
      cpu,
      mem.total - mem.available,
      mem.total,
      load,
      r.rx,
      r.tx,
      rootUsed,
      rootTotal,
    ]);
  }

  private sampleCt(g: GuestRef, at: number, time: number): void {
    const name = `lxc.payload.ct-${g.id}`;
    const v2 = this.deps.cgroup === 'v2';
    const cpu = v2
      ? parseCpuStat(this.read(`${this.cg}/${name}/cpu.stat`) ?? '')
      : Number(this.read(`${this.cg}/cpuacct/${name}/cpuacct.usage`) ?? NaN);
    if (!Number.isFinite(cpu)) return; // not (yet) there
    const mem = Number(
      (v2
        ? this.read(`${this.cg}/${name}/memory.current`)
        : this.read(`${this.cg}/memory/${name}/memory.usage_in_bytes`)) ?? 0,
    );
    const io = v2
      ? parseIoStat(this.read(`${this.cg}/${name}/io.stat`) ?? '')
      : parseBlkio(this.read(`${this.cg}/blkio/${name}/blkio.throttle.io_service_bytes`) ?? '');
    const procs = this.read(`${this.cg}/${v2 ? '' : 'unified/'}${name}/cgroup.procs`) ?? '';
    const pid = /^\d+/.exec(procs)?.[0];
    let rx = 0;
    let tx = 0;
    if (pid)
      for (const [ifname, n] of parseNetDev(this.read(`${this.proc}/${pid}/net/dev`) ?? ''))
        if (ifname !== 'lo') {
          rx += n.rx;
          tx += n.tx;
        }
    const r = this.rates(`ct/${g.id}`, { at, cpu, rx, tx, read: io.read, write: io.write });
    if (!r) return;
    this.put(`ct/${g.id}`, GUEST_FIELDS.length, time, [
      Math.min(1, r.cpu / 1e9 / Math.max(1, g.cpus)),
      mem,
      g.memory * 1024 * 1024,
      // the container's receive is what flows in
      r.rx,
      r.tx,
      r.read,
      r.write,
    ]);
  }

  private async sampleVms(vms: GuestRef[], time: number): Promise<void> {
    this.stats.subprocesses++;
    const res = await this.deps.runner.run(
      [
        'virsh',
        '-q',
        '-c',
        this.deps.libvirtUri,
        'domstats',
        '--list-running',
        '--cpu-total',
        '--balloon',
        '--vcpu',
        '--interface',
        '--block',
      ],
      { reject: false, timeoutMs: 9000, quietOutput: true },
    );
    if (res.exitCode !== 0) return;
    const at = this.now();
    const stats = parseDomstats(res.stdout);
    for (const g of vms) {
      const d = stats.get(`vm-${g.id}`);
      if (!d) continue;
      const r = this.rates(`vm/${g.id}`, {
        at,
        cpu: d.cpuTime,
        rx: d.rx,
        tx: d.tx,
        read: d.read,
        write: d.write,
      });
      if (!r) continue;
      this.put(`vm/${g.id}`, GUEST_FIELDS.length, time, [
        Math.min(1, r.cpu / 1e9 / d.vcpus),
        d.mem,
        d.maxmem || g.memory * 1024 * 1024,
        // libvirt reports a tap's counters from the guest's side: rx is what the guest received
        r.rx,
        r.tx,
        r.read,
        r.write,
      ]);
    }
  }

  nodePoints(tf: Timeframe): NodeMetricPoint[] {
    return this.rows('node', tf).map((v) => {
      const p: Record<string, number> = { time: v[0] as number };
      NODE_FIELDS.forEach((f, i) => (p[f] = v[i + 1] as number));
      return p as NodeMetricPoint;
    });
  }

  guestPoints(kind: 'vm' | 'ct', id: number, tf: Timeframe): GuestMetricPoint[] {
    return this.rows(`${kind}/${id}`, tf).map((v) => {
      const p: Record<string, number> = { time: v[0] as number };
      GUEST_FIELDS.forEach((f, i) => (p[f] = v[i + 1] as number));
      return p as GuestMetricPoint;
    });
  }

  private rows(key: string, tf: Timeframe): number[][] {
    return this.series.get(key)?.rows(tf, Math.floor(this.now() / 1000)) ?? [];
  }

  static step(tf: Timeframe): number {
    return TIERS[tf].step;
  }

  /** writes every series (fixed size each); drops those not updated for a week */
  save(): void {
    const cutoff = Math.floor(this.now() / 1000) - WEEK_S;
    for (const [key, s] of this.series) {
      const file = path.join(this.deps.dir, `${key.replace('/', '-')}.rrd`);
      try {
        if (s.last < cutoff) {
          this.series.delete(key);
          rmSync(file, { force: true });
        } else writeFileAtomic(file, s.serialize(), 0o600);
      } catch (err) {
        this.deps.log(`metrics: cannot write ${file}: ${(err as Error).message}`);
      }
    }
  }
}
