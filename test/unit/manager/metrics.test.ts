// Usage graphs: the round-robin store (averages per tier, fixed size, round trip), the parsers of
// /proc, cgroup files and `virsh domstats`, and the sampler over a fake /proc and cgroup tree.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRunner } from '../../../lib/exec/index.ts';
import { Series } from '../../../manager/server/metrics/rrd.ts';
import { Metrics, type GuestRef } from '../../../manager/server/metrics/metrics.ts';
import {
  parseBlkio,
  parseDomstats,
  parseIoStat,
  parseMeminfo,
  parseNetDev,
  parseProcStat,
} from '../../../manager/server/metrics/proc.ts';
import { GuestMetricPointSchema, NodeMetricsSchema } from '../../../contracts/manager/metrics.ts';
import { testManager } from './helpers.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'openve-metrics-'));
  dirs.push(d);
  return d;
};

describe('round-robin series', () => {
  it('keeps 10 s points for the hour and averages for day and week', () => {
    const s = new Series(2);
    const t0 = 1_800_000_000; // a multiple of 600
    for (let i = 0; i < 12; i++) s.add(t0 + i * 10, [i, 100]);
    const hour = s.rows('hour', t0 + 119);
    expect(hour).toHaveLength(12);
    expect(hour[3]).toEqual([t0 + 30, 3, 100]);
    // two minutes: 0..5 and 6..11
    expect(s.rows('day', t0 + 119)).toEqual([
      [t0, 2.5, 100],
      [t0 + 60, 8.5, 100],
    ]);
    expect(s.rows('week', t0 + 119)).toEqual([[t0, 5.5, 100]]);
    // an hour later the 10 s points are gone, the minutes stay
    expect(s.rows('hour', t0 + 3800)).toEqual([]);
    expect(s.rows('day', t0 + 3800)).toHaveLength(2);
  });

  it('serializes to a fixed size and back; a damaged file is refused', () => {
    const s = new Series(7);
    const empty = s.serialize().length;
    for (let i = 0; i < 5000; i++) s.add(1_800_000_000 + i * 10, [1, 2, 3, 4, 5, 6, i]);
    const buf = s.serialize();
    expect(buf.length).toBe(empty);
    expect(buf.length).toBe(Series.byteLength(7));
    expect(buf.length).toBeLessThan(100 * 1024);
    const back = Series.parse(buf, 7)!;
    const now = 1_800_000_000 + 5000 * 10;
    expect(back.rows('week', now)).toEqual(s.rows('week', now));
    expect(back.rows('hour', now)).toEqual(s.rows('hour', now));
    expect(Series.parse(buf.subarray(1), 7)).toBeNull();
    expect(Series.parse(buf, 8)).toBeNull();
  });
});

describe('parsers', () => {
  it('/proc/stat, meminfo, net/dev', () => {
    expect(parseProcStat('cpu  100 5 50 800 20 1 2 3 0 0\ncpu0 1 2 3\n')).toEqual({
      total: 981,
      idle: 820,
    });
    expect(
      parseMeminfo('MemTotal:       1000 kB\nMemFree: 10 kB\nMemAvailable:    250 kB\n'),
    ).toEqual({
      total: 1024000,
      available: 256000,
    });
    const net = parseNetDev(
      'Inter-|   Receive |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes\n' +
        '    lo: 500 5 0 0 0 0 0 0 500 5 0 0 0 0 0 0\n  eth0: 1234 10 0 0 0 0 0 0 4321 9 0 0 0 0 0 0\n',
    );
    expect(net.get('eth0')).toEqual({ rx: 1234, tx: 4321 });
    expect(net.get('lo')).toEqual({ rx: 500, tx: 500 });
  });
  it('cgroup io.stat and blkio', () => {
    expect(
      parseIoStat('8:0 rbytes=100 wbytes=200 rios=1 wios=2\n8:16 rbytes=1 wbytes=2\n'),
    ).toEqual({
      read: 101,
      write: 202,
    });
    expect(parseBlkio('8:0 Read 10\n8:0 Write 20\n8:0 Sync 30\n8:0 Total 30\nTotal 30\n')).toEqual({
      read: 10,
      write: 20,
    });
  });
  it('virsh domstats of two domains', () => {
    const text = [
      "Domain: 'vm-600'",
      '  cpu.time=2000000000',
      '  balloon.current=131072',
      '  balloon.maximum=131072',
      '  balloon.rss=90000',
      '  vcpu.current=2',
      '  vcpu.maximum=2',
      '  net.count=1',
      '  net.0.rx.bytes=1000',
      '  net.0.tx.bytes=2000',
      '  block.count=2',
      '  block.0.rd.bytes=300',
      '  block.0.wr.bytes=400',
      '  block.1.rd.bytes=5',
      '  block.1.wr.bytes=6',
      '',
      "Domain: 'other'",
      '  cpu.time=1',
      '  balloon.current=1024',
      '',
    ].join('\n');
    const d = parseDomstats(text);
    expect(d.get('vm-600')).toEqual({
      cpuTime: 2e9,
      vcpus: 2,
      mem: 90000 * 1024,
      maxmem: 131072 * 1024,
      rx: 1000,
      tx: 2000,
      read: 305,
      write: 406,
    });
    expect(d.get('other')?.mem).toBe(1024 * 1024);
  });
});

describe('sampler', () => {
  function fakeHost(root: string, n: number) {
    const proc = path.join(root, 'proc');
    mkdirSync(path.join(proc, 'net'), { recursive: true });
    mkdirSync(path.join(proc, '4242', 'net'), { recursive: true });
    // 2 CPUs: per 10 s 2000 jiffies, of which 500 busy each step
    writeFileSync(path.join(proc, 'stat'), `cpu  ${500 * n} 0 0 ${1500 * n} 0 0 0 0 0 0\n`);
    writeFileSync(path.join(proc, 'meminfo'), 'MemTotal: 1000 kB\nMemAvailable: 400 kB\n');
    writeFileSync(path.join(proc, 'loadavg'), '0.50 0.40 0.30 1/100 4242\n');
    const dev = (rx: number, tx: number, name = 'eth0') =>
      `h\nh\n    lo: 999 0 0 0 0 0 0 0 999 0 0 0 0 0 0 0\n  ${name}: ${rx} 0 0 0 0 0 0 0 ${tx} 0 0 0 0 0 0 0\n  veth1: 7 0 0 0 0 0 0 0 7 0 0 0 0 0 0 0\n`;
    writeFileSync(path.join(proc, 'net', 'dev'), dev(10_000 * n, 5000 * n));
    writeFileSync(path.join(proc, '4242', 'net', 'dev'), dev(100 * n, 200 * n));
    const cg = path.join(root, 'cg', 'lxc.payload.ct-601');
    mkdirSync(cg, { recursive: true });
    writeFileSync(path.join(cg, 'cpu.stat'), `usage_usec ${2_500_000 * n}\nuser_usec 1\n`);
    writeFileSync(path.join(cg, 'memory.current'), '5000000\n');
    writeFileSync(path.join(cg, 'io.stat'), `8:0 rbytes=${1000 * n} wbytes=${3000 * n}\n`);
    writeFileSync(path.join(cg, 'cgroup.procs'), '4242\n4243\n');
    return { proc, cgroupRoot: path.join(root, 'cg') };
  }

  it('turns counters into rates for the node and a running container, without a subprocess', async () => {
    const root = tmp();
    let now = 1_800_000_000_000;
    const runner = createRunner('recording', {});
    const guests: GuestRef[] = [
      { kind: 'ct', id: 601, memory: 64, cpus: 1, running: true },
      { kind: 'vm', id: 600, memory: 128, cpus: 1, running: false },
    ];
    const logs: string[] = [];
    const make = () =>
      new Metrics({
        dir: path.join(root, 'metrics'),
        runner,
        libvirtUri: 'qemu:///system',
        guests: () => guests,
        cgroup: 'v2',
        log: (l) => logs.push(l),
        now: () => now,
        ...fakeHost(root, 1),
      });
    mkdirSync(path.join(root, 'metrics'));
    const m = make();
    for (let n = 1; n <= 4; n++) {
      fakeHost(root, n);
      await m.sample();
      now += 10_000;
    }
    const pts = m.nodePoints('hour');
    expect(pts).toHaveLength(3);
    expect(pts[0]).toMatchObject({
      cpu: 0.25,
      memused: 600 * 1024,
      memtotal: 1000 * 1024,
      load1: 0.5,
      netin: 1000,
      netout: 500,
    });
    expect(pts[0]!.roottotal).toBeGreaterThan(0);
    expect(
      NodeMetricsSchema.parse({ timeframe: 'hour', step: 10, points: pts }).points,
    ).toHaveLength(3);
    const ct = m.guestPoints('ct', 601, 'hour');
    expect(ct).toHaveLength(3);
    expect(GuestMetricPointSchema.parse(ct[0])).toEqual({
      time: expect.any(Number),
      cpu: 0.25,
      mem: 5_000_000,
      maxmem: 64 * 1024 * 1024,
      netin: 10,
      netout: 20,
      diskread: 100,
      diskwrite: 300,
    });
    // no VM runs: no virsh at all
    expect(runner.calls).toEqual([]);
    expect(m.stats).toMatchObject({ samples: 4, subprocesses: 0 });

    // kept across restarts, fixed size on disk; a damaged file is named and started anew
    m.stop();
    const files = readdirSync(path.join(root, 'metrics')).sort();
    expect(files).toEqual(['ct-601.rrd', 'node.rrd']);
    expect(statSync(path.join(root, 'metrics', 'node.rrd')).size).toBe(Series.byteLength(8));
    writeFileSync(path.join(root, 'metrics', 'ct-601.rrd'), 'garbage');
    const again = make();
    expect(again.nodePoints('hour')).toEqual(pts);
    expect(again.guestPoints('ct', 601, 'hour')).toEqual([]);
    expect(logs.join('\n')).toMatch(/ct-601\.rrd is damaged/);
  });

  it('asks virsh once per sample for all running VMs', async () => {
    const root = tmp();
    let now = 1_800_000_000_000;
    let cpu = 0;
    const runner = createRunner('recording', {});
    runner.on({
      match: ['virsh'],
      respond: () => ({
        stdout: `Domain: 'vm-600'\n  cpu.time=${(cpu += 5e9)}\n  vcpu.current=1\n  balloon.maximum=131072\n  balloon.rss=65536\n\nDomain: 'vm-602'\n  cpu.time=1\n`,
      }),
    });
    const m = new Metrics({
      dir: path.join(root, 'metrics'),
      runner,
      libvirtUri: 'qemu:///system',
      guests: () => [
        { kind: 'vm', id: 600, memory: 128, cpus: 1, running: true },
        { kind: 'vm', id: 602, memory: 128, cpus: 1, running: true },
      ],
      cgroup: 'v2',
      log: () => {},
      now: () => now,
      ...fakeHost(root, 1),
    });
    for (let i = 0; i < 3; i++) {
      await m.sample();
      now += 10_000;
    }
    expect(runner.calls).toHaveLength(3);
    expect(m.stats.subprocesses).toBe(3);
    expect(m.guestPoints('vm', 600, 'hour')[0]).toMatchObject({
      cpu: 0.5,
      mem: 65536 * 1024,
      maxmem: 131072 * 1024,
    });
  });
});

describe('metrics API', () => {
  it('answers per the contract, refuses a bad timeframe naming it, 404 for an unknown guest', async () => {
    const t = await testManager();
    try {
      const auth = { authorization: `Bearer ${t.m.rootToken}` };
      await t.m.services.metrics.sample();
      const r = await t.m.app.inject({
        method: 'GET',
        url: `/api/v1/nodes/${t.node}/metrics?timeframe=day`,
        headers: auth,
      });
      expect(r.statusCode).toBe(200);
      expect(NodeMetricsSchema.parse((JSON.parse(r.body) as { data: unknown }).data)).toMatchObject(
        { timeframe: 'day', step: 60 },
      );
      const bad = await t.m.app.inject({
        method: 'GET',
        url: `/api/v1/nodes/${t.node}/metrics?timeframe=year`,
        headers: auth,
      });
      expect(bad.statusCode).toBe(400);
      expect(JSON.parse(bad.body)).toEqual({
        errors: [{ path: 'timeframe', message: 'must be hour, day or week' }],
      });
      const none = await t.m.app.inject({
        method: 'GET',
        url: `/api/v1/nodes/${t.node}/vms/649/metrics`,
        headers: auth,
      });
      expect(none.statusCode).toBe(404);
    } finally {
      await t.close();
    }
  });
});
