// Two managers in one process, each with its own pveca cluster root (real openssl CA and join
// protocol, corosync faked) on 127.0.0.21/.22: the cluster view from both, forwarding by node, by
// guest id and by task id over real mutual TLS, refusals of non-members, an offline node shown
// with its last known guests, and revocation by `pveca -d`.
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { TerminalStream } from '../../../manager/server/consoles.ts';
import { createRunner } from '../../../lib/exec/index.ts';
import { ClusterResourcesSchema } from '../../../contracts/manager/cluster.ts';
import type { RunningManager } from '../../../manager/server/manager.ts';
import { makeNodeCsr, signNodeCsr } from '../../../provision/cluster/ca.ts';
import { createCluster, removeClusterNode } from '../../../provision/cluster/commands/index.ts';
import { nodePaths } from '../../../provision/paths.ts';
import { clusterNode, freePort } from '../provision/clusterNode.ts';
import { clusterManager, clusterPair } from './clusterPair.ts';
import { startClusterPeer } from '../../../manager/server/cluster/peerApi.ts';

const TOKEN = 'mgr-cluster-token-abcdefgh';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'openve-mgrcl-'));
const A = { name: 'cla', ip: '127.0.0.21' };
const B = { name: 'clb', ip: '127.0.0.22' };

/** what corosync says (faked): flipped to test writes without quorum */
let quorate = true;

async function manager(root: string, ip: string, peerPort: number): Promise<RunningManager> {
  const runner = createRunner('recording', {});
  const real = createRunner('real');
  runner.on({ match: ['openssl'], respond: async (argv) => real.run(argv) });
  return clusterManager(root, ip, peerPort, {
    runner,
    engines: false,
    quorum: async () => ({ running: true, quorate, members: quorate ? [1, 2] : [2] }),
  });
}

type Guest = { config: { id: number; name: string } };
const view = (r: { json: { data?: unknown } }) => ClusterResourcesSchema.parse(r.json.data);

const api = async (m: RunningManager, method: 'GET' | 'POST', url: string, body?: unknown) => {
  const r = await m.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${m.rootToken}` },
    ...(body !== undefined ? { payload: body as object } : {}),
  });
  return {
    status: r.statusCode,
    json: r.json<{ data?: Record<string, unknown>; errors?: unknown[] }>(),
  };
};

/** A raw request to a peer listener with the given client certificate (or none). */
function peerGet(
  ip: string,
  port: number,
  tls: { ca: string; cert?: string; key?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: ip,
        port,
        path: '/peer/v1/resources',
        ...tls,
        checkServerIdentity: () => undefined,
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('managers in a cluster (mutual TLS on 127.0.0.21/.22)', { timeout: 60_000 }, () => {
  const a = clusterNode(tmp, 'a');
  const b = clusterNode(tmp, 'b');
  let stopServices: () => Promise<unknown> = async () => undefined;
  let ma: RunningManager;
  let mb: RunningManager | undefined;
  let peerPort = 0;

  beforeAll(async () => {
    const pair = await clusterPair(a, b, { A, B, clusterName: 'mgr', token: TOKEN });
    peerPort = pair.peerPort;
    stopServices = pair.close;
    // a guest record on B (the store reads DIR/guests/<id>.json)
    const guests = path.join(b.paths.root, 'manager', 'guests');
    mkdirSync(guests, { recursive: true });
    writeFileSync(
      path.join(guests, '801.json'),
      JSON.stringify({
        kind: 'vm',
        config: { id: 801, name: 'tiny', vcpus: 1, memory: 128, disks: [], nics: [] },
      }),
    );
    ma = await manager(a.paths.root, A.ip, peerPort);
    mb = await manager(b.paths.root, B.ip, peerPort);
  }, 60_000); // a CA, two node certificates and two managers: seconds on a loaded machine
  afterAll(async () => {
    await ma?.close();
    await mb?.close();
    await stopServices();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('each manager is named as in the cluster; both answer the cluster view with both nodes', async () => {
    expect(ma.services.facts().name).toBe(A.name);
    const anonymous = await ma.app.inject({ method: 'GET', url: '/api/v1/cluster/resources' });
    expect(anonymous.statusCode).toBe(401);
    for (const m of [ma, mb!]) {
      const r = await api(m, 'GET', '/api/v1/cluster/resources');
      expect(r.status).toBe(200);
      const v = view(r);
      expect(v.cluster).toBe('mgr');
      expect(v.nodes.map((n) => [n.name, n.online])).toEqual([
        [A.name, true],
        [B.name, true],
      ]);
      expect(v.guests).toEqual([
        expect.objectContaining({ id: 801, kind: 'vm', name: 'tiny', node: B.name, stale: false }),
      ]);
    }
  });

  test("a change of B's guests is pushed to A over mutual TLS: A's hub gets a 'cluster' event (the web reloads its view on it)", async () => {
    const got = ma.services.hub.waitFor((e) => e.type === 'cluster' && e.node === B.name, 10_000);
    mb!.services.cluster!.localChanged();
    expect(await got).toMatchObject({ type: 'cluster', node: B.name });
  });

  test('a request for the other node, for its guest by id, and for its task is forwarded', async () => {
    const byNode = await api(ma, 'GET', `/api/v1/nodes/${B.name}/vms/801`);
    expect(byNode.status).toBe(200);
    expect((byNode.json.data as Guest).config.name).toBe('tiny');
    // the guest is not on A, but A's view knows its owner
    const byId = await api(ma, 'GET', `/api/v1/nodes/${A.name}/vms/801`);
    expect(byId.status).toBe(200);
    expect((byId.json.data as Guest).config.id).toBe(801);
    // the owner's own refusal comes back as it is
    const missing = await api(ma, 'GET', `/api/v1/nodes/${B.name}/vms/849`);
    expect(missing.status).toBe(404);
    expect(JSON.stringify(missing.json.errors)).toMatch(/no VM 849 on this node/);
    // an action: the task lives on B, and A answers for it too
    const started = await api(ma, 'POST', `/api/v1/nodes/${A.name}/vms/801/status/start`, {});
    expect(started.status).toBe(202);
    const task = (started.json.data as { task: string }).task;
    expect(task).toMatch(new RegExp(`^UPID:${B.name}:`));
    const t = await api(ma, 'GET', `/api/v1/tasks/${encodeURIComponent(task)}`);
    expect(t.status).toBe(200);
    expect(t.json.data?.id).toBe(task);
    const audit = readFileSync(path.join(b.paths.root, 'manager', 'audit.log'), 'utf8');
    expect(audit).toMatch(
      /"action":"forwarded POST \/api\/v1\/nodes\/clb\/vms\/801\/status\/start"/,
    );
    expect(audit).toContain(`"address":"${A.name} (${A.ip})"`);
    // a node that is not a member is not forwarded anywhere
    expect((await api(ma, 'GET', '/api/v1/nodes/nope/vms')).status).toBe(404);
  });

  test('console WebSockets of a guest on the other node are forwarded over mutual TLS', async () => {
    // B's side of the consoles: a terminal that echoes, a VNC server that greets (the engines are
    // not running in this rig; what is tested is the way from A's client to B's route and back)
    const echo: TerminalStream = (() => {
      const listeners: ((d: Buffer) => void)[] = [];
      const closers: (() => void)[] = [];
      return {
        write: (d) => listeners.forEach((l) => l(Buffer.from(`echo:${String(d)}`))),
        onData: (cb) => listeners.push(cb),
        onClose: (cb) => closers.push(cb),
        close: () => closers.forEach((c) => c()),
      };
    })();
    mb!.services.vms.serial = async (id: number) => {
      expect(id).toBe(801);
      return echo;
    };
    const vnc = new WebSocketServer({ host: B.ip, port: 0 });
    vnc.on('connection', (ws) => {
      ws.send(Buffer.from('RFB 003.008\n'));
      ws.on('message', (d: Buffer) => ws.send(Buffer.concat([Buffer.from('got:'), d])));
    });
    await new Promise((r) => vnc.once('listening', r));
    const vncPort = (vnc.address() as AddressInfo).port;
    mb!.services.vms.vncUpstream = async () => `ws://${B.ip}:${vncPort}`;
    const open = (url: string, auth = true) => {
      const ws = new WebSocket(`${ma.url.replace('https', 'wss')}${url}`, {
        agent: new https.Agent({
          ca: readFileSync(ma.certFile, 'utf8'),
          checkServerIdentity: () => undefined,
        }),
        headers: auth ? { authorization: `Bearer ${ma.rootToken}` } : {},
      });
      const got: Buffer[] = [];
      ws.on('message', (d: Buffer) => got.push(d));
      const closed = new Promise<[number, string]>((r) =>
        ws.once('close', (code, reason) => r([code, reason.toString()])),
      );
      return { ws, got, closed };
    };
    const waitFor = async (got: Buffer[], text: string) => {
      const t0 = Date.now();
      while (!Buffer.concat(got).toString().includes(text)) {
        if (Date.now() - t0 > 5000) throw new Error(`no '${text}' in '${Buffer.concat(got)}'`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      // serial console, addressed by guest id on A: frames both ways
      const serial = open(`/api/v1/nodes/${A.name}/vms/801/serial`);
      await new Promise((r) => serial.ws.once('open', r));
      serial.ws.send(Buffer.from('hello')); // likely before the owner's side is open: kept, then sent
      await waitFor(serial.got, 'echo:hello');
      serial.ws.close();
      expect((await serial.closed)[0]).toBe(1005);
      // VNC: the ticket comes from B (forwarded POST), the display through A
      const t = await api(ma, 'POST', `/api/v1/nodes/${B.name}/vms/801/vnc`);
      expect(t.status).toBe(200);
      const ticket = (t.json.data as { ticket: string }).ticket;
      const display = open(`/api/v1/nodes/${B.name}/vms/801/vnc?ticket=${ticket}`, false);
      await waitFor(display.got, 'RFB 003.008');
      expect(display.ws.readyState).toBe(WebSocket.OPEN);
      display.ws.send(Buffer.from('key'));
      await waitFor(display.got, 'got:key');
      display.ws.close();
      await display.closed;
      // the ticket was taken on B: a second use is refused there, and the refusal comes back
      const again = open(`/api/v1/nodes/${B.name}/vms/801/vnc?ticket=${ticket}`, false);
      const [code, reason] = await again.closed;
      expect(code).toBe(4401);
      expect(reason).toMatch(/^ticket: unknown, used or expired/);
      // unauthenticated on A: refused there, before anything is forwarded
      const anon = open(`/api/v1/nodes/${A.name}/vms/801/serial`, false);
      await expect(
        new Promise((res, rej) => anon.ws.once('open', res).once('error', rej)),
      ).rejects.toThrow(/401/);
      const audit = readFileSync(path.join(b.paths.root, 'manager', 'audit.log'), 'utf8');
      expect(audit).toMatch(/"action":"forwarded console \/api\/v1\/nodes\/clb\/vms\/801\/serial"/);
    } finally {
      vnc.close();
    }
  });

  test('guest ids are unique in the cluster: concurrent creates on both nodes, a taken id, no quorum', async () => {
    const body = { name: 'c', memory: 64, nics: [], disks: [] };
    const created = await Promise.all(
      [ma, mb!, ma, mb!].map((m) =>
        api(m, 'POST', `/api/v1/nodes/${m === ma ? A.name : B.name}/vms`, body),
      ),
    );
    expect(created.map((r) => r.status)).toEqual([202, 202, 202, 202]);
    const ids = created.map((r) => (r.json.data as { id: number }).id);
    expect(new Set(ids).size).toBe(4);
    expect(ids.every((id) => id >= 100 && id !== 801)).toBe(true);
    // 801 lives on B: asking A for it is refused by the coordinator, naming where it is
    const taken = await api(ma, 'POST', `/api/v1/nodes/${A.name}/vms`, { ...body, id: 801 });
    expect(taken.status).toBe(400);
    expect(JSON.stringify(taken.json.errors)).toMatch(/801 is already used by VM 801 on clb/);
    quorate = false;
    try {
      const refused = await api(mb!, 'POST', `/api/v1/nodes/${B.name}/vms`, body);
      expect(refused.status).toBe(503);
      expect(JSON.stringify(refused.json.errors)).toMatch(
        /not in a quorate partition.*creating a guest needs quorum.*reads still work/,
      );
      expect((await api(mb!, 'GET', '/api/v1/cluster/resources')).status).toBe(200);
      // the other writes that need the cluster say so too (and start nothing)
      const writes: [string, unknown, string, RegExp][] = [
        [
          `/api/v1/nodes/${B.name}/vms/${ids[1]}/migrate`,
          { target: A.name },
          'target',
          /migrating VM/,
        ],
        [
          `/api/v1/nodes/${B.name}/cts/${ids[1]}/migrate`,
          { target: A.name },
          'target',
          /migrating container/,
        ],
        [`/api/v1/nodes/${B.name}/evacuate`, {}, 'node', /evacuating clb/],
      ];
      for (const [url, b, field, what] of writes) {
        const r = await api(mb!, 'POST', url, b);
        expect(r.status, `${url}: ${JSON.stringify(r.json)}`).toBe(503);
        const e = (r.json.errors as { path: string; message: string }[])[0]!;
        expect(e.path).toBe(field);
        expect(e.message).toMatch(/^quorum missing: node clb is not in a quorate partition/);
        expect(e.message).toMatch(what);
        expect(e.message).toMatch(/needs quorum.*reads still work/);
      }
    } finally {
      quorate = true;
    }
  });

  test('a manager started before its node joined (first boot: the join ends later) serves peers once it is a member', async () => {
    let member = false;
    const real = ma.services.cluster!;
    const membership = { get: () => (member ? real.membership.get() : undefined) };
    const lines: string[] = [];
    const port = await freePort();
    const peer = await startClusterPeer(
      {
        ...ma.services,
        cluster: { ...real, membership } as typeof real,
        log: (l) => lines.push(l),
      },
      ma.app,
      ma.rootToken,
      { host: A.ip, port },
      50,
    );
    try {
      expect(peer).toBeDefined();
      await new Promise((r) => setTimeout(r, 150));
      expect(lines.join('\n')).not.toMatch(/peers served/);
      member = true; // the join ended
      for (let i = 0; i < 100 && !lines.some((l) => /peers served/.test(l)); i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(lines.join('\n')).toContain(`peers served with mutual TLS on ${A.ip}:${port}`);
      // B's certificate is taken there (an HTTP answer, not a refused handshake; the stand-in
      // cluster object has no resources: 500)
      const tls = {
        ca: readFileSync(b.paths.caCert, 'utf8'),
        cert: readFileSync(b.paths.nodeCert, 'utf8'),
        key: readFileSync(b.paths.nodeKey, 'utf8'),
      };
      expect((await peerGet(A.ip, port, tls)).status).toBeGreaterThanOrEqual(200);
    } finally {
      await peer?.close();
    }
  });

  test('the peer listener refuses: no client certificate, another CA, a CA-signed non-member, a stale certificate', async () => {
    const ca = readFileSync(a.paths.caCert, 'utf8');
    await expect(peerGet(B.ip, peerPort, { ca })).rejects.toThrow(
      /certificate|alert|socket|reset/i,
    );
    // a certificate of another CA (a second, unrelated cluster)
    const other = clusterNode(tmp, 'other');
    await createCluster(other.ctx, {
      clusterName: 'other',
      token: TOKEN,
      nodeName: A.name,
      address: A.ip,
      port: await freePort(),
    });
    await expect(
      peerGet(B.ip, peerPort, {
        ca,
        cert: readFileSync(other.paths.nodeCert, 'utf8'),
        key: readFileSync(other.paths.nodeKey, 'utf8'),
      }),
    ).rejects.toThrow(/certificate|alert|socket|reset|unknown ca/i);
    // signed by the cluster CA, but not a member / not the member's current certificate
    const mint = async (dir: string, name: string) => {
      const p = nodePaths(path.join(tmp, dir));
      mkdirSync(p.clusterDir, { recursive: true });
      for (const f of ['caCert', 'caKey'] as const)
        writeFileSync(p[f], readFileSync(a.paths[f]), { mode: 0o600 });
      const csr = await makeNodeCsr(a.ctx.runner, p);
      const cert = await signNodeCsr(a.ctx.runner, p, csr, { name, address: '127.0.0.99' });
      return { ca, cert, key: readFileSync(p.nodeKey, 'utf8') };
    };
    const intruder = await peerGet(B.ip, peerPort, await mint('intruder', 'intruder'));
    expect(intruder.status).toBe(403);
    expect(intruder.body).toMatch(/'intruder' is not a member/);
    const copy = await peerGet(B.ip, peerPort, await mint('copy', A.name));
    expect(copy.status).toBe(403);
    expect(copy.body).toMatch(/not its current one/);
    // and the right one passes
    const ok = await peerGet(B.ip, peerPort, {
      ca,
      cert: readFileSync(a.paths.nodeCert, 'utf8'),
      key: readFileSync(a.paths.nodeKey, 'utf8'),
    });
    expect(ok.status).toBe(200);
    expect(new X509Certificate(readFileSync(a.paths.nodeCert)).subject).toMatch(/CN=cla/);
  });

  test('a node that stops answering is shown offline with its last known guests', async () => {
    await mb!.close();
    mb = undefined;
    // the others' answers are reused for up to 1 s: poll like a UI would, within the 5 s budget
    const t0 = performance.now();
    let v = view(await api(ma, 'GET', '/api/v1/cluster/resources'));
    while (v.nodes.find((n) => n.name === B.name)?.online && performance.now() - t0 < 5000) {
      await new Promise((r) => setTimeout(r, 100));
      v = view(await api(ma, 'GET', '/api/v1/cluster/resources'));
    }
    expect(performance.now() - t0).toBeLessThan(5000);
    const nb = v.nodes.find((n) => n.name === B.name);
    expect(nb).toMatchObject({ online: false, status: null });
    expect(nb?.lastSeen).toEqual(expect.any(String));
    expect(nb?.error).toEqual(expect.any(String));
    const onB = v.guests.filter((g) => g.node === B.name);
    expect(onB.map((g) => g.id)).toContain(801);
    expect(onB.every((g) => g.stale)).toBe(true);
    expect(v.guests.filter((g) => g.node === A.name).every((g) => !g.stale)).toBe(true);
    // forwarding to it says which node did not answer
    const f = await api(ma, 'GET', `/api/v1/nodes/${B.name}/vms/801`);
    expect(f.status).toBe(502);
    expect(JSON.stringify(f.json.errors)).toMatch(/node clb \(127\.0\.0\.22\) did not answer/);
  });

  test("pveca -d revokes: the removed node's certificate is refused at once", async () => {
    const old = {
      ca: readFileSync(b.paths.caCert, 'utf8'),
      cert: readFileSync(b.paths.nodeCert, 'utf8'),
      key: readFileSync(b.paths.nodeKey, 'utf8'),
    };
    const ok = await peerGet(A.ip, peerPort, old);
    expect(ok.status).toBe(200);
    await removeClusterNode(a.ctx, B.name, true);
    const refused = await peerGet(A.ip, peerPort, old);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatch(/'clb' is not a member/);
    const r = await api(ma, 'GET', '/api/v1/cluster/resources');
    expect(view(r).nodes.map((n) => n.name)).toEqual([A.name]);
  });
});
