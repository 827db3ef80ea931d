// The manager against this host's real libvirtd (QEMU TCG) and LXC, driven through its HTTPS API:
// a tiny VM (Debian kernel + busybox initramfs) and a busybox container, created, started,
// stopped from outside (seen within 1 s, from the engines' events), shut down and deleted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import WebSocket from 'ws';
import { createRunner } from '../../../lib/exec/index.ts';
import { startManager, type RunningManager } from '../../../manager/server/manager.ts';
import { ensureLibvirtd, type Daemons } from './libvirtd.ts';
import { tinyGuest } from './tinyGuest.ts';
import { GuestMetricsSchema, NodeMetricsSchema } from '../../../contracts/manager/metrics.ts';

const PASSWORD = 'it-root-password-1';
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpenveTestKeyOnly openve-it';

/** two samples a second apart (rates need two), then the guest's points */
async function guestMetrics(kind: 'vms' | 'cts', id: number) {
  await m.services.metrics.sample();
  await new Promise((r) => setTimeout(r, 1100));
  await m.services.metrics.sample();
  const r = await api('GET', `/api/v1/nodes/${node}/${kind}/${id}/metrics?timeframe=hour`);
  expect(r.status).toBe(200);
  return GuestMetricsSchema.parse(r.body.data).points;
}

/** everything the manager wrote under its state dir, as text */
function stateText(d: string): string {
  let out = '';
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.name === 'lxc' || e.name === 'storage') continue;
    if (e.isDirectory()) out += stateText(p);
    else if (e.isFile()) out += readFileSync(p, 'latin1');
  }
  return out;
}

const runner = createRunner('real');
const missing = ['virsh', 'libvirtd', 'virtlogd', 'qemu-system-x86_64', 'lxc-create'].filter(
  (t) => !['/usr/bin', '/usr/sbin', '/bin', '/sbin'].some((d) => existsSync(path.join(d, t))),
);
if (missing.length)
  throw new Error(`manager integration test needs ${missing.join(', ')}: run scripts/deps.sh`);
if (process.getuid?.() !== 0)
  throw new Error('manager integration test needs root (libvirt system connection, LXC)');

let m: RunningManager;
let daemons: Daemons;
let dir: string;
let ca: string;
let node: string;
// this helper's id range on the shared host (600-649)
const VMID = 600 + (process.pid % 20) * 2;
const CTID = VMID + 1;

function api<T = unknown>(
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; body: { data?: T; errors?: { path: string; message: string }[] } }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url, m.url);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(
      u,
      {
        method,
        ca,
        headers: {
          authorization: `Bearer ${m.rootToken}`,
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { data?: T } }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function task(id: string): Promise<{ status: string; log: string[]; error: string | null }> {
  for (;;) {
    const r = await api<{ status: string; log: string[]; error: string | null }>(
      'GET',
      `/api/v1/tasks/${encodeURIComponent(id)}`,
    );
    if (r.body.data && r.body.data.status !== 'running') return r.body.data;
    await new Promise((res) => setTimeout(res, 100));
  }
}

async function okTask(id: string): Promise<void> {
  const t = await task(id);
  expect(t.status, t.log.join('\n')).toBe('ok');
}

async function stateOf(kind: 'vms' | 'cts', id: number): Promise<string> {
  const r = await api<{ id: number; state: string }[]>('GET', `/api/v1/nodes/${node}/${kind}`);
  return r.body.data?.find((g) => g.id === id)?.state ?? 'absent';
}

/** ms until the API shows `state`, polling the API (not the engine) every 20 ms */
async function until(
  kind: 'vms' | 'cts',
  id: number,
  state: string,
  limitMs: number,
): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < limitMs) {
    if ((await stateOf(kind, id)) === state) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${kind} ${id} not ${state} after ${limitMs} ms (is ${await stateOf(kind, id)})`);
}

beforeAll(async () => {
  daemons = await ensureLibvirtd(runner);
  dir = mkdtempSync(path.join(os.tmpdir(), 'openve-mgr-it-'));
  m = await startManager({
    dev: true,
    stateDir: dir,
    host: '127.0.0.1',
    port: 0,
    libvirtUri: 'qemu:///system',
    log: () => {},
    runner,
  });
  ca = readFileSync(m.certFile, 'utf8');
  node = m.services.facts().name;
}, 120_000);

afterAll(async () => {
  for (const [tool, args] of [
    ['virsh', ['-c', 'qemu:///system', 'destroy', `vm-${VMID}`]],
    ['virsh', ['-c', 'qemu:///system', 'undefine', `vm-${VMID}`]],
    ['lxc-stop', ['-P', path.join(dir, 'lxc'), '-n', `ct-${CTID}`, '-k']],
    ['lxc-destroy', ['-P', path.join(dir, 'lxc'), '-n', `ct-${CTID}`]],
  ] as const) {
    if (m) await runner.run([tool, ...args], { reject: false });
  }
  await m?.close();
  await daemons?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('manager on a real libvirtd and LXC', () => {
  it('serves the node over TLS with the root token, TCG said clearly', async () => {
    const r = await api<{ node: string; accel: string }[]>('GET', '/api/v1/nodes');
    expect(r.status).toBe(200);
    expect(r.body.data?.[0]).toMatchObject({
      node: os.hostname().split('.')[0],
      accel: existsSync('/dev/kvm') ? expect.any(String) : 'qemu',
    });
  });

  it('creates, starts, sees an outside stop, shuts down and deletes a tiny VM', async () => {
    const guest = await tinyGuest(runner);
    const events: { type: string; id?: number; state?: string }[] = [];
    const ws = new WebSocket(`${m.url.replace('https', 'wss')}/api/v1/events`, {
      ca,
      headers: { authorization: `Bearer ${m.rootToken}` },
    });
    ws.on('message', (d) => events.push(JSON.parse(String(d)) as { type: string }));
    await new Promise((res, rej) => ws.once('open', res).once('error', rej));

    const created = await api<{ id: number; task: string }>('POST', `/api/v1/nodes/${node}/vms`, {
      id: VMID,
      name: 'tiny',
      memory: 128,
      nics: [],
      disks: [{ size: 1, storage: 'local' }],
      kernel: { path: guest.kernel, initrd: guest.initrd, cmdline: 'console=ttyS0 panic=-1' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    await okTask(created.body.data!.task);
    expect(await stateOf('vms', VMID)).toBe('shut off');
    const disk = path.join(dir, 'storage/images', String(VMID), `vm-${VMID}-disk-0.qcow2`);
    expect(existsSync(disk)).toBe(true);

    const start = await api<{ task: string }>(
      'POST',
      `/api/v1/nodes/${node}/vms/${VMID}/status/start`,
    );
    await okTask(start.body.data!.task);
    expect(
      (await runner.run(['virsh', '-c', 'qemu:///system', 'domstate', `vm-${VMID}`])).stdout.trim(),
    ).toBe('running');
    expect(await stateOf('vms', VMID)).toBe('running');

    // stopped outside the manager: visible through libvirt's events within 1 s
    await runner.run(['virsh', '-c', 'qemu:///system', 'destroy', `vm-${VMID}`]);
    expect(await until('vms', VMID, 'shut off', 1000)).toBeLessThan(1000);
    expect(events.some((e) => e.type === 'guest' && e.id === VMID && e.state === 'running')).toBe(
      true,
    );
    expect(events.some((e) => e.type === 'guest' && e.id === VMID && e.state === 'shut off')).toBe(
      true,
    );
    ws.close();

    // the initramfs ignores ACPI: shutdown must fall back to power-off after its timeout
    await okTask(
      (await api<{ task: string }>('POST', `/api/v1/nodes/${node}/vms/${VMID}/status/start`)).body
        .data!.task,
    );
    // the serial console over an authenticated WebSocket: the guest's counter goes up
    const serialUrl = `${m.url.replace('https', 'wss')}/api/v1/nodes/${node}/vms/${VMID}/serial`;
    const anon = new WebSocket(serialUrl, { ca });
    const anonStatus = await new Promise<number>((res) => {
      anon.once('unexpected-response', (_req, r) => res(r.statusCode ?? 0));
      anon.once('open', () => res(101));
      anon.once('error', () => res(-1));
    });
    expect(anonStatus).toBe(401);
    const serial = new WebSocket(serialUrl, {
      ca,
      headers: { authorization: `Bearer ${m.rootToken}` },
    });
    let text = '';
    serial.on('message', (d) => (text += String(d)));
    const counters = await new Promise<number[]>((res, rej) => {
      const timer = setTimeout(
        () => rej(new Error(`no counter on the serial console: ${text}`)),
        60_000,
      );
      serial.on('message', () => {
        const seen = [...text.matchAll(/counter (\d+)\r?\n/g)].map((x) => Number(x[1]));
        if (seen.length >= 3) {
          clearTimeout(timer);
          res(seen);
        }
      });
      serial.once('close', (code, why) => rej(new Error(`serial closed ${code} ${String(why)}`)));
    });
    expect(counters[2]!).toBeGreaterThan(counters[0]!);
    serial.close();

    // usage from one virsh domstats: the busy guest uses CPU, memory up to its 128 MiB
    const vmPoints = await guestMetrics('vms', VMID);
    expect(vmPoints.length).toBeGreaterThanOrEqual(1);
    expect(vmPoints.at(-1)!.cpu).toBeGreaterThan(0);
    expect(vmPoints.at(-1)!.maxmem).toBe(128 * 1024 * 1024);
    expect(vmPoints.at(-1)!.mem).toBeGreaterThan(0);

    // VNC through the manager's proxy with a one-time ticket: libvirt's websocket says RFB 003.008
    const vncTicket = await api<{ ticket: string }>(
      'POST',
      `/api/v1/nodes/${node}/vms/${VMID}/vnc`,
    );
    expect(vncTicket.status).toBe(200);
    const vncUrl = `${m.url.replace('https', 'wss')}/api/v1/nodes/${node}/vms/${VMID}/vnc?ticket=${vncTicket.body.data!.ticket}`;
    const vnc = new WebSocket(vncUrl, { ca });
    const banner = await new Promise<string>((res, rej) => {
      vnc.once('message', (d) => res(String(d)));
      vnc.once('close', (code, why) => rej(new Error(`vnc closed ${code} ${String(why)}`)));
      vnc.once('error', rej);
    });
    expect(banner).toMatch(/^RFB 003\.008/);
    vnc.close();
    const reused = new WebSocket(vncUrl, { ca });
    const reusedClose = await new Promise<number>((res) =>
      reused.once('close', (code) => res(code)),
    );
    expect(reusedClose).toBe(4401);

    const sd = await api<{ task: string }>(
      'POST',
      `/api/v1/nodes/${node}/vms/${VMID}/status/shutdown`,
      { timeout: 2 },
    );
    const sdTask = await task(sd.body.data!.task);
    expect(sdTask.status).toBe('ok');
    expect(sdTask.log.join('\n')).toContain('stopping it');
    expect(await stateOf('vms', VMID)).toBe('shut off');

    const refused = await api('DELETE', `/api/v1/nodes/${node}/vms/${VMID}`);
    expect(refused.status).toBe(400);
    await okTask(
      (await api<{ task: string }>('DELETE', `/api/v1/nodes/${node}/vms/${VMID}?confirm=${VMID}`))
        .body.data!.task,
    );
    expect(await stateOf('vms', VMID)).toBe('absent');
    expect(existsSync(disk)).toBe(false);
    const list = await runner.run(['virsh', '-c', 'qemu:///system', 'list', '--all', '--name']);
    expect(list.stdout.split('\n')).not.toContain(`vm-${VMID}`);
  }, 150_000);

  it('creates, starts, runs a command in, sees an outside stop of, and deletes a busybox container', async () => {
    const created = await api<{ id: number; task: string }>('POST', `/api/v1/nodes/${node}/cts`, {
      id: CTID,
      hostname: 'bb',
      template: 'busybox',
      unprivileged: false,
      // the generated AppArmor profile with nesting: LXC ignores both keys here (no AppArmor in
      // this kernel) and the container must still start
      features: { nesting: true },
      memory: 64,
      password: PASSWORD,
      sshKeys: [SSH_KEY],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    await okTask(created.body.data!.task);
    // the password as a crypt hash in the container's shadow, the key for root; the clear text
    // nowhere in the manager's state (tasks, audit, guest configs, metrics)
    const rootfs = path.join(dir, 'storage', 'rootfs', String(CTID));
    const shadow = readFileSync(path.join(rootfs, 'etc', 'shadow'), 'utf8');
    const hash = /^root:([^:]+):/m.exec(shadow)?.[1] ?? '';
    expect(hash).toMatch(/^\$(y|6)\$/);
    const check = await runner.run([
      'perl',
      '-e',
      'print crypt($ARGV[0], $ARGV[1])',
      PASSWORD,
      hash,
    ]);
    expect(check.stdout).toBe(hash);
    expect(readFileSync(path.join(rootfs, 'root', '.ssh', 'authorized_keys'), 'utf8')).toBe(
      `${SSH_KEY}\n`,
    );
    expect(stateText(dir)).not.toContain(PASSWORD);
    const cfg = await api<{ config: Record<string, unknown> }>(
      'GET',
      `/api/v1/nodes/${node}/cts/${CTID}`,
    );
    expect(JSON.stringify(cfg.body)).not.toContain(PASSWORD);
    expect(cfg.body.data?.config.sshKeys).toEqual([SSH_KEY]);
    expect(cfg.body.data?.config.features).toEqual({ nesting: true });
    expect(readFileSync(path.join(dir, 'lxc', `ct-${CTID}`, 'config'), 'utf8')).toMatch(
      /^lxc\.apparmor\.profile = generated\nlxc\.apparmor\.allow_nesting = 1$/m,
    );
    const weak = await api('POST', `/api/v1/nodes/${node}/cts`, {
      hostname: 'bad_name',
      template: 'busybox',
      password: 'short',
    });
    expect(weak.status).toBe(400);
    expect(weak.body.errors?.map((e) => e.path).sort()).toEqual(['hostname', 'password']);
    expect(JSON.stringify(weak.body)).not.toContain('short');
    await okTask(
      (await api<{ task: string }>('POST', `/api/v1/nodes/${node}/cts/${CTID}/status/start`)).body
        .data!.task,
    );
    expect(await stateOf('cts', CTID)).toBe('running');
    // LXC itself says RUNNING as soon as the start task is done (no lxc-wait in the start path)
    const info = await runner.run([
      'lxc-info',
      '-P',
      path.join(dir, 'lxc'),
      '-n',
      `ct-${CTID}`,
      '-s',
    ]);
    expect(info.stdout).toMatch(/State:\s+RUNNING/);

    const ex = await api<{ exitCode: number; stdout: string }>(
      'POST',
      `/api/v1/nodes/${node}/cts/${CTID}/exec`,
      { command: ['hostname'] },
    );
    expect(ex.body.data).toMatchObject({ exitCode: 0, stdout: 'bb\n' });

    // the console (tty 0) over an authenticated WebSocket: busybox's shell on /dev/console answers
    const consoleUrl = `${m.url.replace('https', 'wss')}/api/v1/nodes/${node}/cts/${CTID}/console`;
    const con = new WebSocket(consoleUrl, {
      ca,
      headers: { authorization: `Bearer ${m.rootToken}` },
    });
    let screen = '';
    con.on('message', (d) => (screen += String(d)));
    await new Promise((res, rej) => con.once('open', res).once('error', rej));
    const marked = await new Promise<string>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no answer on the console: ${screen}`)), 20_000);
      const poke = setInterval(() => con.send('echo MARK$((6*7))\n'), 500);
      con.on('message', () => {
        if (/MARK42/.test(screen)) {
          clearTimeout(timer);
          clearInterval(poke);
          res(screen);
        }
      });
      con.send('\n');
    });
    expect(marked).toContain('MARK42');
    con.close();

    // usage from the container's cgroup files, no subprocess
    const before = m.services.metrics.stats.subprocesses;
    const ctPoints = await guestMetrics('cts', CTID);
    expect(ctPoints.length).toBeGreaterThanOrEqual(1);
    expect(ctPoints.at(-1)!.mem).toBeGreaterThan(0);
    expect(ctPoints.at(-1)!.maxmem).toBe(64 * 1024 * 1024);
    expect(m.services.metrics.stats.subprocesses - before).toBe(0);
    const nodePoints = await api('GET', `/api/v1/nodes/${node}/metrics`);
    expect(NodeMetricsSchema.parse(nodePoints.body.data).points.at(-1)!.memtotal).toBeGreaterThan(
      0,
    );

    await runner.run(['lxc-stop', '-P', path.join(dir, 'lxc'), '-n', `ct-${CTID}`, '-k']);
    expect(await until('cts', CTID, 'stopped', 1000)).toBeLessThan(1000);

    await okTask(
      (await api<{ task: string }>('DELETE', `/api/v1/nodes/${node}/cts/${CTID}?confirm=${CTID}`))
        .body.data!.task,
    );
    expect(await stateOf('cts', CTID)).toBe('absent');
    expect(existsSync(path.join(dir, 'lxc', `ct-${CTID}`))).toBe(false);
  }, 120_000);
});
