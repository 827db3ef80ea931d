// Live migration of a running VM between two openve nodes on this machine (test/integration/
// migrate/rig.ts: corosync + pveca's cluster CA, each node with its own libvirtd and manager in
// its own namespaces). The tiny guest prints a counter on its serial console and has a 1 GiB raw
// disk on the dir storage with 8 MiB of random data. Default set: the CLI on node2 moves the VM
// from node1 (API + forwarding + task progress): the counter continues (no reboot), the data is
// identical, the source volume and record are gone, the config is on node2; then a move back to
// node1 whose storage is full is refused before anything is made: the VM keeps running on node2,
// node1 has nothing of it. Both libvirtds listen with TLS only (the cluster CA's certificates)
// and the migration runs with qemu+tls:// --tls. OPENVE_MIGRATE_FULL=1 adds (~4 min more): the
// destination's libvirtd killed mid-migration (VM keeps running on the source, nothing left on the
// destination once its libvirtd is back), an offline move of the stopped VM, and
// `openve node evacuate`. The web interface in Debian's chromium (test/integration/web/browser.ts):
// node2's shows both nodes and node1's running VM, moves it to node2 with the Migrate dialog (the
// task followed in the page), its serial console in the page goes on counting; node1's shows it
// on node2 and moves it back; then its "Stop migration" button, clicked while a migration slowed to
// 1 MiB/s (virsh migrate-setspeed) runs, leaves the VM running on node1 and nothing on node2.
// FULL's evacuation also moves a running busybox container (restart migration, real LXC).
// Screenshots: test-results/screenshots/mig-*.png.
// Run: npx vitest run --project integration test/integration/migrate.test.ts (as root; ~3.5 min)
import { createHash } from 'node:crypto';
import { existsSync, openSync, readSync, closeSync, writeFileSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { execa } from 'execa';
import { createRunner } from '../../lib/exec/index.ts';
import { MigratePreconditionsSchema } from '../../contracts/manager/migrate.ts';
import { tinyGuest } from './manager/tinyGuest.ts';
import type { Page } from 'playwright-core';
import { IMAGES, MigrateRig, PASSWORD, type MigNode } from './migrate/rig.ts';
import { launchChromium, login, newSession, shots, treeItem } from './web/browser.ts';
import { until } from './clusterLab.ts';

const isRoot = process.getuid?.() === 0;
const hasLibvirt = existsSync('/usr/sbin/libvirtd');
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FULL = process.env.OPENVE_MIGRATE_FULL === '1';
const VMID = 7001;
const CTID = 7002;
const DATA = 8 * 1024 * 1024;
const DISK = `images/${VMID}/vm-${VMID}-disk-0.raw`;

const sha = (file: string, bytes: number): string => {
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(bytes);
  readSync(fd, buf, 0, bytes, 0);
  closeSync(fd);
  return createHash('sha256').update(buf).digest('hex');
};

describe.skipIf(!isRoot || !hasLibvirt)(
  'live migration between two nodes',
  { timeout: 300_000 },
  () => {
    const rig = new MigrateRig(`mig${process.pid % 1000}`, '10.99.71', repo);
    const [n1, n2] = rig.nodes as [MigNode, MigNode];
    const image = (n: MigNode) => path.join(n.dir, 'images', DISK);
    let dataSha = '';

    /** counters printed on the VM's serial console on node n (through the API's WebSocket) */
    const counters = (n: MigNode, count: number, timeoutMs = 20_000): Promise<number[]> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(
          `${n.url.replace('https', 'wss')}/api/v1/nodes/${n.name}/vms/${VMID}/serial`,
          { rejectUnauthorized: false, headers: { authorization: `Bearer ${n.token}` } },
        );
        let text = '';
        const timer = setTimeout(() => {
          ws.close();
          const qemuLog = path.join(n.dir, 'log/qemu', `vm-${VMID}.log`);
          reject(
            new Error(
              `no counters on ${n.name}: '${text}'\n${existsSync(qemuLog) ? readFileSync(qemuLog, 'utf8').slice(-2000) : 'no QEMU log'}\n${n.log.slice(-3000)}`,
            ),
          );
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

    const cli = async (n: MigNode, args: string[]) => {
      const r = await execa(
        'ip',
        [
          'netns',
          'exec',
          n.ns,
          process.execPath,
          path.join(repo, 'bin/openve.js'),
          '--host',
          n.url,
          '--insecure',
          '--token',
          n.token,
          ...args,
        ],
        { reject: false, env: rig.lab.env(n), timeout: 180_000 },
      );
      return { code: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
    };

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
      const created = await rig.api<{ id: number; task: string }>(
        n1,
        'POST',
        `/api/v1/nodes/${n1.name}/vms`,
        {
          id: VMID,
          name: 'mig',
          memory: 128,
          nics: [],
          disks: [{ size: 1, storage: 'local', format: 'raw' }],
          kernel: { path: guest.kernel, initrd: guest.initrd, cmdline: 'console=ttyS0 quiet' },
        },
      );
      expect(created.status, JSON.stringify(created.body)).toBe(202);
      const t = await rig.task(n1, created.body.data!.task);
      expect(t.status, t.log.join('\n')).toBe('ok');
      // data on the VM's disk before it starts: checked again on the destination
      const data = randomBytes(DATA);
      const fd = openSync(image(n1), 'r+');
      writeFileSync(fd, data);
      closeSync(fd);
      dataSha = createHash('sha256').update(data).digest('hex');
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

    test('preconditions: running, the local disk, node2 allowed', async () => {
      const r = await rig.api(n1, 'GET', `/api/v1/nodes/${n1.name}/vms/${VMID}/migrate`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      const p = MigratePreconditionsSchema.parse(r.body.data);
      expect(p).toEqual({
        running: true,
        localDisks: [{ disk: 'virtio0', volume: `local:vm-${VMID}-disk-0`, size: 1024 ** 3 }],
        targets: [{ node: n2.name, online: true, allowed: true }],
      });
      const bad = await rig.api(n1, 'POST', `/api/v1/nodes/${n1.name}/vms/${VMID}/migrate`, {
        target: n1.name,
      });
      expect(bad.status).toBe(400);
      expect(bad.body.errors?.[0]?.path).toBe('target');
    });

    test("the web interface: node2's moves node1's running VM to node2, node1's moves it back; the counter goes on", async () => {
      const browser = await launchChromium();
      const t0 = performance.now();
      try {
        /** the highest counter the serial console in the page has shown (it boots: up to 120 s) */
        const lastCounter = async (p: Page, above: number): Promise<number> => {
          await p.getByRole('tab', { name: 'Console' }).click();
          await p.getByText('Serial console', { exact: true }).click();
          await p.getByRole('button', { name: 'Open console' }).click();
          const rows = p.locator('.xterm-rows');
          let top = -1;
          const seen = await until(
            async () => {
              const all = [...(await rows.innerText()).matchAll(/counter (\d+)/g)];
              top = Math.max(-1, ...all.map((x) => Number(x[1])));
              return top > above;
            },
            120_000,
            250,
          );
          expect(
            seen,
            `serial console showed counter ${top}, want more than ${above}`,
          ).toBeTruthy();
          return top;
        };
        /** Migrate dialog -> `to`, the task followed in the page to its end, then the VM's page there */
        const migrate = async (p: Page, from: string, to: string, shot: string) => {
          await p.getByRole('button', { name: 'Close', exact: true }).click();
          await p.getByRole('button', { name: 'Migrate', exact: true }).click();
          const dialog = p.getByRole('dialog', { name: `Migrate VM ${VMID}` });
          await dialog.getByText('Online migration').waitFor();
          await dialog.getByRole('table', { name: 'Local disks' }).waitFor();
          expect(await dialog.getByRole('radio', { name: to }).isChecked()).toBe(true);
          await shots(p, `${shot}-dialog`, false);
          await dialog.getByRole('button', { name: 'Migrate', exact: true }).click();
          await dialog.getByText(`Migrating VM ${VMID} to ${to}`).waitFor();
          // the task's log in the page while it runs (polled from the node that runs it; an
          // idle guest may be done before a progress line is written)
          await dialog
            .getByRole('log', { name: 'Task output' })
            .getByText(/virsh .*migrate --live/)
            .waitFor({ timeout: 120_000 });
          await shots(p, `${shot}-progress`, false);
          // its end: the dialog closes on success, or stays with the task's error
          const failed = dialog.getByRole('alert');
          const end = await Promise.race([
            dialog.waitFor({ state: 'detached', timeout: 180_000 }).then(() => 'ok'),
            failed.waitFor({ timeout: 180_000 }).then(() => 'error'),
          ]);
          if (end !== 'ok') {
            await shots(p, `${shot}-failed`, false);
            const upid = await dialog.getByText(/^UPID:/).innerText();
            const owner = [n1, n2].find((n) => upid.startsWith(`UPID:${n.name}:`)) ?? n1;
            const t = await rig.api<{ log: string[] }>(
              owner,
              'GET',
              `/api/v1/tasks/${encodeURIComponent(upid)}`,
            );
            throw new Error(
              `migration in the page failed: ${await failed.innerText()}\n${t.body.data?.log.join('\n')}`,
            );
          }
          await p.waitForURL(new RegExp(`#/node/${to}/vm/${VMID}`));
          await treeItem(p, 'vm', VMID, to).and(p.locator('[data-state="running"]')).waitFor();
          await treeItem(p, 'vm', VMID, from).waitFor({ state: 'detached' });
        };

        // node2's interface: both nodes, node1's VM running
        const a = await newSession(browser, 20_000);
        await a.p.goto(n2.url);
        await a.p.getByLabel('User name').waitFor();
        await login(a.p, PASSWORD);
        await a.p.getByRole('group', { name: `Node ${n1.name}` }).waitFor();
        await a.p.getByRole('group', { name: `Node ${n2.name}` }).waitFor();
        const item = treeItem(a.p, 'vm', VMID, n1.name);
        await item.and(a.p.locator('[data-state="running"]')).waitFor();
        await shots(a.p, 'mig-01-node2-tree');
        await item.click();
        // its console, forwarded by node2 to node1
        const before = await lastCounter(a.p, 0);
        await shots(a.p, 'mig-02-node2-console-on-node1', false);
        await migrate(a.p, n1.name, n2.name, 'mig-03-node2');
        // the same guest goes on counting on node2 (a reboot would start at 0 again)
        const after = await lastCounter(a.p, before);
        await shots(a.p, 'mig-04-node2-console-after');
        await a.c.close();

        // node1's interface: the VM on node2, moved back from here
        const b = await newSession(browser, 20_000);
        await b.p.goto(n1.url);
        await b.p.getByLabel('User name').waitFor();
        await login(b.p, PASSWORD);
        const there = treeItem(b.p, 'vm', VMID, n2.name);
        await there.and(b.p.locator('[data-state="running"]')).waitFor();
        await treeItem(b.p, 'vm', VMID, n1.name).waitFor({ state: 'detached' });
        await shots(b.p, 'mig-05-node1-tree');
        await there.click();
        const onNode2 = await lastCounter(b.p, after);
        await migrate(b.p, n2.name, n1.name, 'mig-06-node1');
        await lastCounter(b.p, onNode2);
        await shots(b.p, 'mig-07-node1-console-after', false);
        await b.c.close();
      } finally {
        await browser.close();
      }
      console.log(`browser steps (two moves): ${Math.round(performance.now() - t0)} ms`);
      expect((await rig.virsh(n1, ['domstate', `vm-${VMID}`])).stdout.trim()).toBe('running');
      expect(existsSync(image(n2))).toBe(false);
      expect(sha(image(n1), DATA)).toBe(dataSha);
    });

    test('the web interface\'s "Stop migration" during a slow migration: the VM keeps running where it was, nothing on the other node', async () => {
      // the VM is on node1 after the web test; wherever it runs, it must stay there
      const src =
        (await rig.virsh(n1, ['domstate', `vm-${VMID}`])).stdout.trim() === 'running' ? n1 : n2;
      const dst = src === n1 ? n2 : n1;
      // 1 MiB/s (libvirt keeps it for the domain's next migration): 128 MiB of RAM take minutes
      expect((await rig.virsh(src, ['migrate-setspeed', `vm-${VMID}`, '1'])).exitCode).toBe(0);
      const browser = await launchChromium();
      let upid: string | undefined;
      try {
        const s = await newSession(browser, 20_000);
        await s.p.goto(src.url);
        await s.p.getByLabel('User name').waitFor();
        await login(s.p, PASSWORD);
        const item = treeItem(s.p, 'vm', VMID, src.name);
        await item.and(s.p.locator('[data-state="running"]')).waitFor();
        await item.click();
        await s.p.getByRole('button', { name: 'Migrate', exact: true }).click();
        const dialog = s.p.getByRole('dialog', { name: `Migrate VM ${VMID}` });
        await dialog.getByText('Online migration').waitFor();
        await dialog.getByRole('button', { name: 'Migrate', exact: true }).click();
        await dialog.getByText(`Migrating VM ${VMID} to ${dst.name}`).waitFor();
        upid = await dialog.getByText(/^UPID:/).innerText();
        // libvirt's migration runs (the virsh line is logged as it starts)
        await dialog
          .getByRole('log', { name: 'Task output' })
          .getByText(/virsh .*migrate --live/)
          .waitFor({ timeout: 120_000 });
        await s.p.waitForTimeout(2000);
        await dialog.getByRole('button', { name: 'Stop migration' }).click();
        await dialog.getByRole('button', { name: /Stopping: rolling back/ }).waitFor();
        await shots(s.p, 'mig-08-stop-sent', false);
        // the task ends in error, shown in the dialog; the Stop button goes away
        await dialog.getByRole('alert').waitFor({ timeout: 120_000 });
        await dialog.getByRole('button', { name: /Stop migration|Stopping/ }).waitFor({
          state: 'detached',
        });
        await shots(s.p, 'mig-09-stopped', false);
        await s.c.close();
      } finally {
        await browser.close();
        await rig.virsh(src, ['migrate-setspeed', `vm-${VMID}`, '8796093022207']);
      }
      const t = await rig.task(src, upid!);
      expect(t.status, t.log.join('\n')).toBe('error');
      expect(t.log.join('\n')).toMatch(new RegExp(`VM ${VMID} keeps running on ${src.name}`));
      expect((await rig.virsh(src, ['domstate', `vm-${VMID}`])).stdout.trim()).toBe('running');
      expect((await rig.virsh(dst, ['list', '--all', '--name'])).stdout).not.toContain(
        `vm-${VMID}`,
      );
      expect(existsSync(image(dst))).toBe(false);
      expect(existsSync(path.join(dst.state, 'guests', `${VMID}.json`))).toBe(false);
      expect(sha(image(src), DATA)).toBe(dataSha);
    });

    test('openve vm migrate on node2 moves the running VM from node1: counter continues, data identical, source gone', async () => {
      // the first counters once the kernel has booted (TCG: seconds)
      const before = await counters(n1, 3, 120_000);
      const t0 = performance.now();
      const r = await cli(n2, ['vm', 'migrate', String(VMID), n2.name]);
      const ms = performance.now() - t0;
      expect(r.code, `${r.stdout}\n${r.stderr}\n${n1.log}`).toBe(0);
      expect(r.stdout).toMatch(/migration finished: [\d.]+ s, downtime \d+ ms/);
      // over TLS with the cluster CA's certificates: libvirt's connection and QEMU's streams
      expect(r.stdout).toMatch(/virsh .*migrate .*--tls .*qemu\+tls:\/\/10\.99\.71\.2\/system/);
      console.log(
        `migration through the CLI: ${Math.round(ms)} ms; ${r.stdout
          .split('\n')
          .filter((l) => l.startsWith('migration'))
          .join(' | ')}`,
      );
      // node2 runs it, with its config; node1 has neither the record, the domain nor the volume
      const g = await rig.api<{ state: string; config: { id: number } }>(
        n2,
        'GET',
        `/api/v1/nodes/${n2.name}/vms/${VMID}`,
      );
      expect(g.body.data).toMatchObject({ state: 'running', config: { id: VMID } });
      expect(existsSync(path.join(n2.state, 'guests', `${VMID}.json`))).toBe(true);
      expect(existsSync(path.join(n1.state, 'guests', `${VMID}.json`))).toBe(false);
      expect((await rig.virsh(n1, ['list', '--all', '--name'])).stdout).not.toContain(`vm-${VMID}`);
      expect(existsSync(image(n1))).toBe(false);
      expect(sha(image(n2), DATA)).toBe(dataSha);
      // the same guest: its counter goes on from where it was (a reboot would start at 0 again)
      const after = await counters(n2, 2, 60_000);
      expect(after[0]!).toBeGreaterThan(before[before.length - 1]!);
    });

    test('a move back to node1 whose storage is full is refused: VM runs on node2, node1 has nothing', async () => {
      await rig.inNode(n1, ['mount', '-t', 'tmpfs', '-o', 'size=64m', 'migfull', IMAGES]);
      try {
        const pre = await rig.api(n2, 'GET', `/api/v1/nodes/${n2.name}/vms/${VMID}/migrate`);
        expect(MigratePreconditionsSchema.parse(pre.body.data).targets).toEqual([
          expect.objectContaining({
            node: n1.name,
            online: true,
            allowed: false,
            reason: expect.stringMatching(/storage 'local' has \d+ MiB free, 1024 MiB needed/),
          }),
        ]);
        const r = await rig.api(n2, 'POST', `/api/v1/nodes/${n2.name}/vms/${VMID}/migrate`, {
          target: n1.name,
        });
        expect(r.status).toBe(400);
        expect(r.body.errors?.[0]).toMatchObject({
          path: 'target',
          message: expect.stringMatching(/node1 storage 'local' has \d+ MiB free/),
        });
        expect((await rig.inNode(n1, ['ls', '-A', IMAGES])).stdout).toBe('');
      } finally {
        await rig.inNode(n1, ['umount', IMAGES], false);
      }
      expect((await rig.virsh(n2, ['domstate', `vm-${VMID}`])).stdout.trim()).toBe('running');
      expect((await rig.virsh(n1, ['list', '--all', '--name'])).stdout).not.toContain(`vm-${VMID}`);
      expect(existsSync(path.join(n1.state, 'guests', `${VMID}.json`))).toBe(false);
    });

    test.skipIf(!FULL)(
      'node1 libvirtd killed mid-migration: VM keeps running on node2, nothing left on node1',
      async () => {
        const before = await counters(n2, 2, 60_000);
        const r = await rig.api<{ task: string }>(
          n2,
          'POST',
          `/api/v1/nodes/${n2.name}/vms/${VMID}/migrate`,
          { target: n1.name },
        );
        expect(r.status, JSON.stringify(r.body)).toBe(202);
        const upid = r.body.data!.task;
        // once data flows, the destination's libvirtd dies
        await until(
          async () => {
            const t = await rig.api<{ log: string[] }>(
              n2,
              'GET',
              `/api/v1/tasks/${encodeURIComponent(upid)}`,
            );
            return t.body.data?.log.some((l) => l.startsWith('migration:'));
          },
          60_000,
          100,
        );
        rig.killLibvirtd(n1);
        const t = await rig.task(n2, upid);
        expect(t.status).toBe('error');
        expect(t.log.join('\n')).toMatch(/keeps running on node2 with its disks/);
        await rig.restartLibvirtd(n1);
        const gone = await until(
          async () =>
            !(await rig.virsh(n1, ['list', '--all', '--name'])).stdout.includes(`vm-${VMID}`),
          30_000,
          500,
        );
        expect(gone).toBeTruthy();
        expect(existsSync(image(n1))).toBe(false);
        expect(existsSync(path.join(n1.state, 'guests', `${VMID}.json`))).toBe(false);
        expect((await rig.virsh(n2, ['domstate', `vm-${VMID}`])).stdout.trim()).toBe('running');
        const after = await counters(n2, 2, 60_000);
        expect(after[0]!).toBeGreaterThan(before[before.length - 1]!);
        expect(sha(image(n2), DATA)).toBe(dataSha);
      },
    );

    test.skipIf(!FULL)('offline: the stopped VM moves to node1 with its disk', async () => {
      const stop = await rig.api<{ task: string }>(
        n2,
        'POST',
        `/api/v1/nodes/${n2.name}/vms/${VMID}/status/stop`,
        {},
      );
      expect((await rig.task(n2, stop.body.data!.task)).status).toBe('ok');
      const r = await cli(n1, ['vm', 'migrate', String(VMID), n1.name, '--offline']);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(sha(image(n1), DATA)).toBe(dataSha);
      expect(existsSync(image(n2))).toBe(false);
      expect((await rig.virsh(n1, ['domstate', `vm-${VMID}`])).stdout.trim()).toBe('shut off');
      expect(
        JSON.parse(readFileSync(path.join(n1.state, 'guests', `${VMID}.json`), 'utf8')),
      ).toMatchObject({ kind: 'vm', config: { id: VMID } });
    });

    test.skipIf(!FULL)(
      'openve node evacuate node1, asked on node2: the running VM moves live and a running container by restart to node2',
      async () => {
        const start = await rig.api<{ task: string }>(
          n1,
          'POST',
          `/api/v1/nodes/${n1.name}/vms/${VMID}/status/start`,
          {},
        );
        expect((await rig.task(n1, start.body.data!.task)).status).toBe('ok');
        // a running busybox container (real LXC inside node1's namespaces) with a file in it
        const ct = await rig.api<{ task: string }>(n1, 'POST', `/api/v1/nodes/${n1.name}/cts`, {
          id: CTID,
          hostname: 'evac',
          template: 'busybox',
          unprivileged: false,
          memory: 64,
        });
        expect(ct.status, JSON.stringify(ct.body)).toBe(202);
        const made = await rig.task(n1, ct.body.data!.task);
        expect(made.status, made.log.join('\n')).toBe('ok');
        const ctStart = await rig.api<{ task: string }>(
          n1,
          'POST',
          `/api/v1/nodes/${n1.name}/cts/${CTID}/status/start`,
          {},
        );
        const started = await rig.task(n1, ctStart.body.data!.task);
        expect(started.status, `${started.log.join('\n')}\n${n1.log.slice(-3000)}`).toBe('ok');
        const mark = await rig.api<{ exitCode: number }>(
          n1,
          'POST',
          `/api/v1/nodes/${n1.name}/cts/${CTID}/exec`,
          { command: ['sh', '-c', 'echo evacuated-ok > /marker'] },
        );
        expect(mark.body.data?.exitCode, JSON.stringify(mark.body)).toBe(0);
        const r = await cli(n2, ['node', 'evacuate', n1.name]);
        expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
        const summary =
          /evacuation of node1: 1 of 1 VM\(s\) and 1 of 1 container\(s\) moved \((.*)\)/.exec(
            r.stdout,
          );
        expect(summary, r.stdout).not.toBeNull();
        expect(summary![1]!.split(', ').sort()).toEqual([
          `ct ${CTID} -> node2`,
          `vm ${VMID} -> node2`,
        ]);
        const there = await rig.api<{ state: string }>(
          n2,
          'GET',
          `/api/v1/nodes/${n2.name}/cts/${CTID}`,
        );
        expect(there.body.data?.state).toBe('running');
        const cat = await rig.api<{ stdout: string }>(
          n2,
          'POST',
          `/api/v1/nodes/${n2.name}/cts/${CTID}/exec`,
          { command: ['cat', '/marker'] },
        );
        expect(cat.body.data?.stdout).toBe('evacuated-ok\n');
        expect((await rig.api(n1, 'GET', `/api/v1/nodes/${n1.name}/cts/${CTID}`)).status).toBe(404);
        expect((await rig.virsh(n2, ['domstate', `vm-${VMID}`])).stdout.trim()).toBe('running');
        expect(existsSync(path.join(n1.state, 'guests', `${VMID}.json`))).toBe(false);
        expect(sha(image(n2), DATA)).toBe(dataSha);
      },
    );
  },
);
