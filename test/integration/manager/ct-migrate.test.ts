// Container restart migration between two managers on this host (a pveca cluster on 127.0.0.71/.72
// with the real CA and mutual TLS, corosync faked), each with its own state dir, LXC path and
// directory storage, real LXC: a running busybox container with a file written in it moves to the
// other node and runs there with the file; a destination that fails after receiving the root file
// system leaves nothing behind and the container runs again on the source.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner } from '../../../lib/exec/index.ts';
import type { RunningManager } from '../../../manager/server/manager.ts';
import { clusterNode } from '../../unit/provision/clusterNode.ts';
import { clusterManager, clusterPair } from '../../unit/manager/clusterPair.ts';
import { main } from '../../../manager/cli/main.ts';

if (process.getuid?.() !== 0) throw new Error('container migration test needs root (LXC)');

const runner = createRunner('real');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mgr-ctmig-'));
const A = { name: 'mgra', ip: '127.0.0.71' };
const B = { name: 'mgrb', ip: '127.0.0.72' };
// helper mgr's id range: 7100-7199
const CTID = 7150 + (process.pid % 40);
let stopServices: () => Promise<unknown> = async () => undefined;
let ma: RunningManager;
let mb: RunningManager;

const manager = (root: string, ip: string, peerPort: number) =>
  clusterManager(root, ip, peerPort, {
    runner,
    metricsIntervalMs: 3_600_000,
    quorum: async () => ({ running: true, quorate: true, members: [1, 2] }),
  });

async function api(
  m: RunningManager,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  payload?: object,
) {
  const r = await m.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${m.rootToken}` },
    ...(payload ? { payload } : {}),
  });
  return {
    status: r.statusCode,
    body: r.json<{
      data?: Record<string, unknown>;
      errors?: { path: string; message: string }[];
    }>(),
  };
}

async function task(m: RunningManager, id: string) {
  for (;;) {
    const t = m.services.tasks.get(id);
    if (t && t.status !== 'running') return { ...t, log: m.services.tasks.log(id) };
    await new Promise((r) => setTimeout(r, 100));
  }
}

const lxcDir = (m: RunningManager) => m.services.facts().lxcPath;
const rootfsDir = (m: RunningManager) =>
  path.join(path.dirname(lxcDir(m)), 'storage', 'rootfs', String(CTID));
const state = async (m: RunningManager, node: string) =>
  (await api(m, 'GET', `/api/v1/nodes/${node}/cts/${CTID}`)).body.data?.state;
const exec = async (m: RunningManager, node: string, command: string[]) =>
  (await api(m, 'POST', `/api/v1/nodes/${node}/cts/${CTID}/exec`, { command })).body.data as {
    exitCode: number;
    stdout: string;
  };

beforeAll(async () => {
  const a = clusterNode(tmp, 'a');
  const b = clusterNode(tmp, 'b');
  const pair = await clusterPair(a, b, {
    A,
    B,
    clusterName: 'mgrmig',
    token: 'mgr-ctmig-token-abcdefgh',
  });
  stopServices = pair.close;
  ma = await manager(a.paths.root, A.ip, pair.peerPort);
  mb = await manager(b.paths.root, B.ip, pair.peerPort);
}, 120_000);

afterAll(async () => {
  for (const m of [ma, mb]) {
    if (!m) continue;
    const P = lxcDir(m);
    await runner.run(['lxc-stop', '-P', P, '-n', `ct-${CTID}`, '-k'], { reject: false });
    await runner.run(['lxc-destroy', '-P', P, '-n', `ct-${CTID}`], { reject: false });
    await m.close();
  }
  await stopServices();
  rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe('container restart migration between two managers', () => {
  it('moves a running container with its files; a failing destination leaves nothing', async () => {
    const created = await api(ma, 'POST', `/api/v1/nodes/${A.name}/cts`, {
      id: CTID,
      hostname: 'mover',
      template: 'busybox',
      unprivileged: false,
      memory: 64,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect((await task(ma, created.body.data!.task as string)).status).toBe('ok');
    const start = await api(ma, 'POST', `/api/v1/nodes/${A.name}/cts/${CTID}/status/start`);
    expect((await task(ma, start.body.data!.task as string)).status).toBe('ok');
    expect((await exec(ma, A.name, ['sh', '-c', 'echo moved-ok > /marker'])).exitCode).toBe(0);

    // running, without restart: refused naming the field; unknown target named
    const noRestart = await api(ma, 'POST', `/api/v1/nodes/${A.name}/cts/${CTID}/migrate`, {
      target: B.name,
    });
    expect(noRestart.status).toBe(400);
    expect(noRestart.body.errors?.[0]?.path).toBe('restart');
    const nowhere = await api(ma, 'POST', `/api/v1/nodes/${A.name}/cts/${CTID}/migrate`, {
      target: 'nope',
      restart: true,
    });
    expect(nowhere.status).toBe(400);
    expect(nowhere.body.errors?.[0]).toMatchObject({
      path: 'target',
      message: expect.stringMatching(/no node 'nope'.*have: mgrb/),
    });

    // the destination fails after receiving the root file system: it removes what it got, and
    // the container runs on the source again, with its file
    const mig = mb.services.ctMigrate!;
    const commit = mig.commit.bind(mig);
    mig.commit = async () => {
      throw new Error('injected: the destination cannot start it');
    };
    const failed = await api(ma, 'POST', `/api/v1/nodes/${A.name}/cts/${CTID}/migrate`, {
      target: B.name,
      restart: true,
    });
    expect(failed.status, JSON.stringify(failed.body)).toBe(202);
    // a second migration while one runs: 409
    const busy = await api(ma, 'POST', `/api/v1/nodes/${A.name}/cts/${CTID}/migrate`, {
      target: B.name,
      restart: true,
    });
    expect(busy.status).toBe(409);
    const upid = failed.body.data!.task as string;
    expect(busy.body.errors?.[0]?.message).toBe(
      `container ${CTID} is busy: its vzmigrate task ${upid} is running; try again when it has ended`,
    );
    // the container is locked for the whole move, like a VM: start, stop, exec, delete too
    for (const [method, url, body] of [
      ['POST', `cts/${CTID}/status/stop`, {}],
      ['POST', `cts/${CTID}/status/start`, {}],
      ['POST', `cts/${CTID}/exec`, { command: ['true'] }],
      ['DELETE', `cts/${CTID}?confirm=${CTID}`, undefined],
    ] as const) {
      const r = await api(ma, method, `/api/v1/nodes/${A.name}/${url}`, body);
      expect(r.status, `${method} ${url}`).toBe(409);
      expect(r.body.errors?.[0]?.message).toContain(
        `container ${CTID} is busy: its vzmigrate task`,
      );
    }
    const ft = await task(ma, failed.body.data!.task as string);
    expect(ft.status).toBe('error');
    expect(ft.log.join('\n')).toMatch(/root file system sent.*\n.*starting container/);
    expect(ft.log.join('\n')).toMatch(/starting container \d+ again on this node/);
    mig.commit = commit;
    expect(await state(ma, A.name)).toBe('running');
    expect((await exec(ma, A.name, ['cat', '/marker'])).stdout).toBe('moved-ok\n');
    expect(existsSync(rootfsDir(mb))).toBe(false);
    expect(readdirSync(lxcDir(mb))).not.toContain(`ct-${CTID}`);
    // B's own list is empty. (GET /nodes/B/cts/ID is not the check: B forwards a guest id it does
    // not have to the member that reported it - A - and members now tell each other at once.)
    expect((await api(mb, 'GET', `/api/v1/nodes/${B.name}/cts`)).body.data).toEqual([]);

    // the real move, with the CLI, asked on the destination (forwarded to the owner by id)
    let out = '';
    let err = '';
    const t0 = performance.now();
    const code = await main(
      [
        '--host',
        mb.url,
        '--token',
        mb.rootToken,
        // the dev certificate names 127.0.0.1 only, the managers listen on .71/.72
        '--insecure',
        '--node',
        A.name,
        'ct',
        'migrate',
        String(CTID),
        B.name,
        '--restart',
      ],
      { out: (t) => (out += t), err: (t) => (err += t) },
    );
    const ms = performance.now() - t0;
    expect(code, err).toBe(0);
    expect(out).toMatch(/OK \(UPID:mgra:/);
    expect(await state(mb, B.name)).toBe('running');
    expect((await exec(mb, B.name, ['cat', '/marker'])).stdout).toBe('moved-ok\n');
    // nothing left on the source
    expect((await api(ma, 'GET', `/api/v1/nodes/${A.name}/cts`)).body.data).toEqual([]);
    expect(existsSync(rootfsDir(ma))).toBe(false);
    expect(readdirSync(lxcDir(ma))).not.toContain(`ct-${CTID}`);
    console.log(`container restart migration (busybox, running): ${ms.toFixed(0)} ms via the CLI`);
  }, 300_000);
});
