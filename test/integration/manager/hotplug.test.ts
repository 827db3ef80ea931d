// CPU and memory hot-plug on this host's real libvirtd (QEMU TCG): a running tiny guest with a
// balloon driver gets a second vCPU and less memory through PUT .../config, seen by libvirt
// (virsh vcpucount / dominfo / dommemstat), and a change beyond its maximum is refused (409).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRunner } from '../../../lib/exec/index.ts';
import { startManager, type RunningManager } from '../../../manager/server/manager.ts';
import { ensureLibvirtd, type Daemons } from './libvirtd.ts';
import { balloonGuest } from './balloonGuest.ts';
import { nodeRequest, taskStatus } from '../../helpers/manager.ts';

if (process.getuid?.() !== 0) throw new Error('hot-plug integration test needs root (libvirt)');

const runner = createRunner('real');
// helper mgr's id range on the shared host: 7100-7199
const VMID = 7100 + (process.pid % 40);
const URI = 'qemu:///system';
let m: RunningManager;
let daemons: Daemons;
let dir: string;

const virsh = async (...args: string[]) =>
  (await runner.run(['virsh', '-q', '-c', URI, ...args], { timeoutMs: 30_000 })).stdout;

const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
  nodeRequest(m, method, url, payload);

async function okTask(id: string): Promise<void> {
  const t = await taskStatus(m, id, 50);
  expect(t.status, t.log.join('\n')).toBe('ok');
}

async function until<T>(what: string, f: () => Promise<T>, ok: (v: T) => boolean, ms: number) {
  const t0 = Date.now();
  let v = await f();
  while (!ok(v)) {
    if (Date.now() - t0 > ms) throw new Error(`${what}: still ${JSON.stringify(v)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
    v = await f();
  }
  return v;
}

/** the balloon's current size in KiB, as QEMU reports it */
const balloonKiB = async () =>
  Number(/^actual\s+(\d+)/m.exec(await virsh('dommemstat', `vm-${VMID}`))?.[1] ?? NaN);

beforeAll(async () => {
  daemons = await ensureLibvirtd(runner);
  dir = mkdtempSync(path.join(os.tmpdir(), 'mgr-hotplug-'));
  m = await startManager({
    dev: true,
    stateDir: dir,
    host: '127.0.0.1',
    port: 0,
    libvirtUri: URI,
    log: () => {},
    runner,
  });
}, 600_000);

afterAll(async () => {
  await runner.run(['virsh', '-c', URI, 'destroy', `vm-${VMID}`], { reject: false });
  await runner.run(['virsh', '-c', URI, 'undefine', `vm-${VMID}`], { reject: false });
  await m?.close();
  await daemons?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('VM hot-plug on a real libvirtd', () => {
  it('adds a vCPU and shrinks memory of a running VM, refuses more than its maximum', async () => {
    const guest = await balloonGuest(runner);
    const created = await api('POST', '/vms', {
      id: VMID,
      name: 'hotplug',
      vcpus: 1,
      maxVcpus: 2,
      memory: 256,
      maxMemory: 256,
      nics: [],
      kernel: { path: guest.kernel, initrd: guest.initrd, cmdline: 'console=ttyS0 panic=-1' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    await okTask(created.body.data!.task);
    await okTask((await api('POST', `/vms/${VMID}/status/start`)).body.data!.task);
    expect(await virsh('vcpucount', `vm-${VMID}`, '--live', '--active')).toMatch(/^1\s*$/);

    const t0 = performance.now();
    const change = await api('PUT', `/vms/${VMID}/config`, { vcpus: 2, memory: 192 });
    expect(change.status, JSON.stringify(change.body)).toBe(202);
    await okTask(change.body.data!.task);
    const ms = performance.now() - t0;
    expect(await virsh('vcpucount', `vm-${VMID}`, '--live', '--active')).toMatch(/^2\s*$/);
    expect(await virsh('dominfo', `vm-${VMID}`)).toMatch(/^CPU\(s\):\s+2$/m);
    expect(await virsh('domstate', `vm-${VMID}`)).toMatch(/^running/);
    // the guest's balloon driver gives the memory back (it loads during boot)
    await until('balloon', balloonKiB, (k) => k === 192 * 1024, 60_000);
    // the next boot's definition follows
    expect(await virsh('dumpxml', `vm-${VMID}`, '--inactive')).toMatch(
      /<vcpu placement='static'>2<\/vcpu>/,
    );
    console.log(
      `hot-plug 1 -> 2 vCPUs, 256 -> 192 MiB: ${ms.toFixed(0)} ms (API call to task end)`,
    );

    const beyond = await api('PUT', `/vms/${VMID}/config`, { vcpus: 3, memory: 512 });
    expect(beyond.status).toBe(409);
    expect(beyond.body.errors?.map((e) => e.path).sort()).toEqual(['memory', 'vcpus']);
    expect(await virsh('vcpucount', `vm-${VMID}`, '--live', '--active')).toMatch(/^2\s*$/);

    await runner.run(['virsh', '-c', URI, 'destroy', `vm-${VMID}`]);
  }, 300_000);
});
