// Stopping a live migration (DELETE /api/v1/tasks/{upid}, `openve task stop`) in the two-node rig
// (test/integration/migrate/rig.ts, its own namespaces `cl<pid>-*`, subnet 10.99.174): the tiny
// guest prints a counter and has a 2 GiB raw disk with 192 MiB of random data (a few seconds of
// mirroring under TCG). The stop is sent to node2 (the task is node1's: forwarded by the UPID's
// node) once the task shows progress: `virsh domjobabort` ends the job, the VM keeps running on
// node1 with its disk (counter continues, data identical), node2 has no domain, no volume, no
// images/<id>/ directory and no guest record; a new migration afterwards goes through.
// Run: npx vitest run --project integration test/integration/migrate-abort.test.ts (as root; ~2 min)
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { createRunner } from '../../lib/exec/index.ts';
import { tinyGuest } from './manager/tinyGuest.ts';
import { MigrateRig, type MigNode } from './migrate/rig.ts';
import { until } from './clusterLab.ts';

const isRoot = process.getuid?.() === 0;
const hasLibvirt = existsSync('/usr/sbin/libvirtd');
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const VMID = 7401;
const DATA = 192 * 1024 * 1024;

const sha = (file: string, bytes: number): string => {
  const fd = openSync(file, 'r');
  const h = createHash('sha256');
  const buf = Buffer.alloc(1 << 20);
  for (let pos = 0; pos < bytes; pos += buf.length) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, bytes - pos), pos);
    h.update(buf.subarray(0, n));
  }
  closeSync(fd);
  return h.digest('hex');
};

describe.skipIf(!isRoot || !hasLibvirt)('stopping a live migration', { timeout: 300_000 }, () => {
  const rig = new MigrateRig(`cl${process.pid % 1000}`, '10.99.174', repo);
  const [n1, n2] = rig.nodes as [MigNode, MigNode];
  const imageDir = (n: MigNode) => path.join(n.dir, 'images', 'images', String(VMID));
  const image = (n: MigNode) => path.join(imageDir(n), `vm-${VMID}-disk-0.raw`);
  let dataSha = '';

  const counters = (n: MigNode, count: number, timeoutMs = 20_000): Promise<number[]> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(
        `${n.url.replace('https', 'wss')}/api/v1/nodes/${n.name}/vms/${VMID}/serial`,
        { rejectUnauthorized: false, headers: { authorization: `Bearer ${n.token}` } },
      );
      let text = '';
      const timer = setTimeout(() => {
        ws.close();
        reject(new Error(`no counters on ${n.name}: '${text}'`));
      }, timeoutMs);
      ws.on('message', (d) => {
        text += String(d);
        const seen = [...text.matchAll(/counter (\d+)\r?\n/g)].map((x) => Number(x[1]));
        if (seen.length >= count) {
          clearTimeout(timer);
          ws.close();
          resolve(seen);
        }
      });
      ws.on('error', reject);
    });

  beforeAll(async () => {
    const { bundle } = (await import(
      pathToFileURL(path.join(repo, 'scripts/bundle.mjs')).href
    )) as {
      bundle(): Promise<void>;
    };
    await bundle();
    const guest = await tinyGuest(createRunner('real', { timeoutMs: 600_000 }));
    try {
      await rig.setup();
    } catch (err) {
      await rig.teardown();
      throw err;
    }
    const created = await rig.api<{ task: string }>(n1, 'POST', `/api/v1/nodes/${n1.name}/vms`, {
      id: VMID,
      name: 'clabort',
      memory: 128,
      nics: [],
      disks: [{ size: 2, storage: 'local', format: 'raw' }],
      kernel: { path: guest.kernel, initrd: guest.initrd, cmdline: 'console=ttyS0 quiet' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect((await rig.task(n1, created.body.data!.task)).status).toBe('ok');
    const fd = openSync(image(n1), 'r+');
    const chunk = 8 << 20;
    for (let pos = 0; pos < DATA; pos += chunk) writeSync(fd, randomBytes(chunk), 0, chunk, pos);
    closeSync(fd);
    dataSha = sha(image(n1), DATA);
    const start = await rig.api<{ task: string }>(
      n1,
      'POST',
      `/api/v1/nodes/${n1.name}/vms/${VMID}/status/start`,
      {},
    );
    expect((await rig.task(n1, start.body.data!.task)).status).toBe('ok');
  }, 600_000);

  afterAll(async () => {
    await rig.teardown();
  }, 120_000);

  test('stopped mid-way (asked on node2): the VM runs on node1 with its disk, node2 has nothing', async () => {
    const before = await counters(n1, 3, 120_000);
    const r = await rig.api<{ task: string }>(
      n1,
      'POST',
      `/api/v1/nodes/${n1.name}/vms/${VMID}/migrate`,
      { target: n2.name },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const upid = r.body.data!.task;
    expect(upid.startsWith(`UPID:${n1.name}:`)).toBe(true);
    // mid-way: the job has reported progress, and the destination has its volume
    const mid = await until(
      async () => {
        const t = await rig.api<{ log: string[]; progress: number; status: string }>(
          n1,
          'GET',
          `/api/v1/tasks/${encodeURIComponent(upid)}`,
        );
        const d = t.body.data;
        return d && (d.status !== 'running' || d.log.some((l) => l.startsWith('migration:')))
          ? d
          : undefined;
      },
      60_000,
      100,
    );
    expect(mid?.status, mid?.log.join('\n')).toBe('running');
    expect(mid!.progress).toBeLessThan(0.99);
    expect(existsSync(image(n2))).toBe(true);
    const t0 = performance.now();
    const stop = await rig.api(n2, 'DELETE', `/api/v1/tasks/${encodeURIComponent(upid)}`);
    expect(stop.status, JSON.stringify(stop.body)).toBe(202);
    const t = await rig.task(n1, upid, 60_000, 100);
    const ms = performance.now() - t0;
    console.log(
      `stop -> task end: ${Math.round(ms)} ms (progress at the stop ${mid!.progress.toFixed(2)})`,
    );
    expect(t.status, t.log.join('\n')).toBe('error');
    expect(t.error).toMatch(/migration to node2 stopped: stopped by root/);
    const log = t.log.join('\n');
    expect(log).toContain('stop requested by root');
    expect(log).toMatch(/migration job aborted \(virsh domjobabort\)|virsh domjobabort:/);
    expect(log).toContain(`VM ${VMID} keeps running on ${n1.name} with its disks`);
    // a second stop: the task has ended
    const again = await rig.api(n1, 'DELETE', `/api/v1/tasks/${encodeURIComponent(upid)}`);
    expect(again.status).toBe(409);

    // node1: running, the same guest (counter continues), its disk and record
    expect((await rig.virsh(n1, ['domstate', `vm-${VMID}`])).stdout.trim()).toBe('running');
    const after = await counters(n1, 2, 60_000);
    expect(after[0]!).toBeGreaterThan(before[before.length - 1]!);
    expect(sha(image(n1), DATA)).toBe(dataSha);
    const g = await rig.api<{ state: string }>(n1, 'GET', `/api/v1/nodes/${n1.name}/vms/${VMID}`);
    expect(g.body.data?.state).toBe('running');
    // node2: nothing left (domain, volume, its directory, record)
    const empty = await until(
      async () => !(await rig.virsh(n2, ['list', '--all', '--name'])).stdout.includes(`vm-${VMID}`),
      10_000,
      200,
    );
    expect(empty, 'no domain on node2').toBeTruthy();
    expect(existsSync(image(n2))).toBe(false);
    expect(existsSync(imageDir(n2))).toBe(false);
    expect(existsSync(path.join(n2.state, 'guests', `${VMID}.json`))).toBe(false);
  });

  test('a new migration after the stop goes through (nothing blocks it on node2)', async () => {
    const r = await rig.api<{ task: string }>(
      n1,
      'POST',
      `/api/v1/nodes/${n1.name}/vms/${VMID}/migrate`,
      { target: n2.name },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const t = await rig.task(n1, r.body.data!.task, 180_000);
    expect(t.status, t.log.join('\n')).toBe('ok');
    expect((await rig.virsh(n2, ['domstate', `vm-${VMID}`])).stdout.trim()).toBe('running');
    expect(sha(image(n2), DATA)).toBe(dataSha);
    // the source's copy and its directory are gone
    expect(existsSync(imageDir(n1))).toBe(false);
    // a stop once it has ended: 409
    const late = await rig.api(
      n2,
      'DELETE',
      `/api/v1/tasks/${encodeURIComponent(r.body.data!.task)}`,
    );
    expect(late.status).toBe(409);
  });
});
