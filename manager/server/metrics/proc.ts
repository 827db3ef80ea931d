// Parsers of what the sampler reads: /proc/stat, /proc/meminfo, /proc/loadavg, /proc/net/dev,
// cgroup files, and `virsh domstats`. Pure; golden-tested with captured texts.

/** the first line of /proc/stat: total and idle jiffies (idle + iowait) */
export function parseProcStat(text: string): { total: number; idle: number } {
  const line = text.slice(0, text.indexOf('\n'));
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest, guest_nice are inside user/nice)
  const total = v.slice(0, 8).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  return { total, idle: (v[3] ?? 0) + (v[4] ?? 0) };
}

/** MemTotal and MemAvailable in bytes */
export function parseMeminfo(text: string): { total: number; available: number } {
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { total: kib('MemTotal') * 1024, available: kib('MemAvailable') * 1024 };
}

export function parseLoadavg(text: string): number {
  return Number(text.split(' ')[0]) || 0;
}

/** /proc/net/dev -> interface -> received and sent bytes */
export function parseNetDev(text: string): Map<string, { rx: number; tx: number }> {
  const out = new Map<string, { rx: number; tx: number }>();
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const f = (m[2] as string).trim().split(/\s+/).map(Number);
    out.set(m[1] as string, { rx: f[0] ?? 0, tx: f[8] ?? 0 });
  }
  return out;
}

/** the node's own traffic: not loopback and not the guests' virtual ends (their traffic is theirs) */
export function nodeInterface(name: string): boolean {
  return !/^(lo|veth|vnet|tap|fwbr|fwpr|fwln|virbr\d+-nic)/.test(name);
}

/** cgroup v2 cpu.stat -> usage in ns */
export function parseCpuStat(text: string): number {
  return Number(/^usage_usec (\d+)/m.exec(text)?.[1] ?? 0) * 1000;
}

/** cgroup v2 io.stat -> bytes read and written over all devices */
export function parseIoStat(text: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const m of text.matchAll(/\brbytes=(\d+)/g)) read += Number(m[1]);
  for (const m of text.matchAll(/\bwbytes=(\d+)/g)) write += Number(m[1]);
  return { read, write };
}

/** cgroup v1 blkio.throttle.io_service_bytes -> bytes read and written over all devices */
export function parseBlkio(text: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const m of text.matchAll(/^\S+ (Read|Write) (\d+)$/gm))
    if (m[1] === 'Read') read += Number(m[2]);
    else write += Number(m[2]);
  return { read, write };
}

export interface DomainStats {
  /** ns */
  cpuTime: number;
  vcpus: number;
  /** bytes */
  mem: number;
  maxmem: number;
  rx: number;
  tx: number;
  read: number;
  write: number;
}

/** `virsh domstats --cpu-total --balloon --vcpu --interface --block` -> domain -> totals */
export function parseDomstats(text: string): Map<string, DomainStats> {
  const out = new Map<string, DomainStats>();
  let cur: DomainStats | null = null;
  let rss = -1;
  let current = 0;
  const finish = () => {
    if (cur) cur.mem = rss >= 0 ? rss : current;
  };
  for (const line of text.split('\n')) {
    const d = /^Domain: '([^']+)'/.exec(line);
    if (d) {
      finish();
      cur = { cpuTime: 0, vcpus: 1, mem: 0, maxmem: 0, rx: 0, tx: 0, read: 0, write: 0 };
      rss = -1;
      current = 0;
      out.set(d[1] as string, cur);
      continue;
    }
    const kv = /^\s+([\w.]+)=(\S+)/.exec(line);
    if (!cur || !kv) continue;
    const [key, raw] = [kv[1] as string, Number(kv[2])];
    if (!Number.isFinite(raw)) continue;
    if (key === 'cpu.time') cur.cpuTime = raw;
    else if (key === 'vcpu.current') cur.vcpus = Math.max(1, raw);
    else if (key === 'balloon.rss') rss = raw * 1024;
    else if (key === 'balloon.current') current = raw * 1024;
    else if (key === 'balloon.maximum') cur.maxmem = raw * 1024;
    else if (/^net\.\d+\.rx\.bytes$/.test(key)) cur.rx += raw;
    else if (/^net\.\d+\.tx\.bytes$/.test(key)) cur.tx += raw;
    else if (/^block\.\d+\.rd\.bytes$/.test(key)) cur.read += raw;
    else if (/^block\.\d+\.wr\.bytes$/.test(key)) cur.write += raw;
  }
  finish();
  return out;
}
