// The cluster view serves each member's last answer and refreshes it in the background: a request
// waits only for a member never asked yet; a slow member does not slow the view down (at most one
// request in flight per member); a member that fails is shown offline with its last known guests
// and lastSeen = the time of its last answer; this node's part is serialized once per change.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ClusterService } from '../../../manager/server/cluster/view.ts';
import type { PeerResources } from '../../../contracts/manager/cluster.ts';
import type { Membership } from '../../../provision/index.ts';
import type { PeerResponse } from '../../../manager/server/cluster/peer.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'openve-cl-view-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const m: Membership = {
  clusterName: 'clv',
  self: 'cla',
  nodes: [
    { nodeid: 1, name: 'cla', address: '127.0.0.1' },
    { nodeid: 2, name: 'clb', address: '127.0.0.2' },
  ],
};
const res = (node: string, ids: number[]): PeerResources => ({
  node,
  status: { cpu: 0 },
  storages: [],
  guests: ids.map((id) => ({ id, kind: 'vm', name: `g${id}`, state: 'running' })),
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('cluster view from the members last answers', () => {
  let localReads = 0;
  const svc = new ClusterService({
    clusterRoot: dir,
    peerPort: 1,
    stateDir: dir,
    local: () => (localReads++, res('cla', [100])),
    log: () => {},
    quorum: async () => ({ running: true, quorate: true, members: [1, 2] }),
  });
  svc.membership.get = () => m;
  let asked = 0;
  let answer: () => Promise<PeerResponse> = async () => ({
    status: 200,
    contentType: 'application/json',
    body: Buffer.from(JSON.stringify(res('clb', [200, 201]))),
  });
  // GETs are the resources fan-out; POSTs this node's change notices (counted apart)
  const notices: string[] = [];
  svc.client.request = (_m, n, o) => {
    if (o.method === 'POST') {
      notices.push(`${n.name} ${o.path}`);
      return Promise.resolve({ status: 204, contentType: '', body: Buffer.alloc(0) });
    }
    return (asked++, answer());
  };
  const answerGuests = (ids: number[]) => async (): Promise<PeerResponse> => ({
    status: 200,
    contentType: 'application/json',
    body: Buffer.from(JSON.stringify(res('clb', ids))),
  });

  test('a member never asked is waited for; then its answer is served', async () => {
    const v = await svc.resources();
    expect(asked).toBe(1);
    expect(v.nodes.map((n) => [n.name, n.online])).toEqual([
      ['cla', true],
      ['clb', true],
    ]);
    expect(v.guests.map((g) => `${g.node}/${g.id}/${g.stale}`)).toEqual([
      'cla/100/false',
      'clb/200/false',
      'clb/201/false',
    ]);
    await svc.resources();
    expect(asked).toBe(1);
  });

  test('fresh (?fresh=1, the web page after an event): the member is asked now, not its last answer', async () => {
    // the member answers again, and guest 200 has left it (a migration ended there)
    answer = async () => ({
      status: 200,
      contentType: 'application/json',
      body: Buffer.from(JSON.stringify(res('clb', [201]))),
    });
    await svc.resources(0);
    answer = async () => ({
      status: 200,
      contentType: 'application/json',
      body: Buffer.from(JSON.stringify(res('clb', [201, 202]))),
    });
    const before = asked;
    const cached = await svc.resources(60_000);
    expect(asked).toBe(before);
    expect(cached.guests.filter((g) => g.node === 'clb').map((g) => g.id)).toEqual([201]);
    const fresh = await svc.resources(0);
    expect(asked).toBe(before + 1);
    expect(fresh.guests.filter((g) => g.node === 'clb').map((g) => g.id)).toEqual([201, 202]);
    expect(fresh.nodes[1]?.online).toBe(true);
  });

  test('pushed invalidation: a member that says its guests changed is read again; the next read (no ?fresh) waits for that answer', async () => {
    answer = answerGuests([300]);
    await svc.resources(0);
    const before = asked;
    // its guests change; the cache holds [300] and would serve it for 60 s
    answer = answerGuests([300, 301]);
    expect((await svc.resources(60_000)).guests.filter((g) => g.node === 'clb').length).toBe(1);
    expect(svc.peerChanged('clb')).toBe(true);
    const v = await svc.resources(60_000);
    expect(v.guests.filter((g) => g.node === 'clb').map((g) => g.id)).toEqual([300, 301]);
    expect(asked).toBe(before + 1); // fetched once for the notice, not once per read
    await svc.resources(60_000);
    expect(asked).toBe(before + 1);
    // not a member (or this node): ignored
    expect(svc.peerChanged('cla')).toBe(false);
    expect(svc.peerChanged('nobody')).toBe(false);
  });

  test('a notice while a request from before it is in flight: the read waits for a second request', async () => {
    let release = () => {};
    answer = () =>
      new Promise((resolve) => (release = () => void answerGuests([400])().then(resolve)));
    const inflight = svc.resources(0); // started before the change
    await sleep(5);
    answer = answerGuests([400, 401]);
    svc.peerChanged('clb');
    const read = svc.resources(60_000);
    release();
    await inflight;
    expect((await read).guests.filter((g) => g.node === 'clb').map((g) => g.id)).toEqual([
      400, 401,
    ]);
  });

  test('a member that fails after its notice is shown offline; later reads do not wait for it again', async () => {
    answer = () => Promise.reject(new Error('connect ECONNREFUSED'));
    svc.peerChanged('clb');
    const v = await svc.resources(60_000);
    expect(v.nodes.find((n) => n.name === 'clb')?.online).toBe(false);
    const before = asked;
    await svc.resources(60_000);
    expect(asked).toBe(before); // back (for the tests below)
    answer = answerGuests([200, 201]);
    expect((await svc.resources(0)).nodes.find((n) => n.name === 'clb')?.online).toBe(true);
  });

  test('a slow member: the view answers at once from its last answer, one request in flight', async () => {
    const seen = (await svc.resources()).nodes[1]?.lastSeen;
    const asked0 = asked;
    let release = () => {};
    answer = () =>
      new Promise((_, reject) => (release = () => reject(new Error('connect ECONNREFUSED'))));
    await sleep(30);
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) {
      const v = await svc.resources(10);
      expect(v.nodes[1]?.online).toBe(true);
    }
    expect(performance.now() - t0).toBeLessThan(100);
    expect(asked).toBe(asked0 + 1);
    // it fails: offline, its guests kept as stale, lastSeen = its last answer
    release();
    await sleep(10);
    const v = await svc.resources(10);
    const b = v.nodes.find((n) => n.name === 'clb');
    expect(b).toMatchObject({ online: false, status: null, error: 'connect ECONNREFUSED' });
    expect(b?.lastSeen).toBe(seen);
    expect(v.guests.filter((g) => g.node === 'clb').map((g) => g.stale)).toEqual([true, true]);
  });

  test("this node's part is read once, not per request (until a change)", async () => {
    const before = localReads;
    for (let i = 0; i < 20; i++) svc.local();
    expect(localReads - before).toBeLessThanOrEqual(1);
    const json = svc.local().json;
    svc.localChanged();
    expect(svc.local().json).toBe(json);
    expect(localReads - before).toBeLessThanOrEqual(2);
  });

  test("this node's changes are announced to the other members, once per burst (POST /peer/v1/changed)", async () => {
    notices.length = 0;
    for (let i = 0; i < 5; i++) svc.localChanged();
    await sleep(120);
    expect(notices).toEqual(['clb /peer/v1/changed']);
  });
});
