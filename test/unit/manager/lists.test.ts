// The hot list routes (issue 12 budget: 500 req/s, p99 < 20 ms): answered from memory, never by a
// process per request, and never stale after a state change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoByKey, memoFor, VersionedMap } from '../../../manager/server/cache.ts';
import { testManager, type TestManager } from './helpers.ts';

describe('caches', () => {
  it('VersionedMap counts changes, not no-op writes', () => {
    const m = new VersionedMap<string, string>();
    m.set('a', 'running');
    const v = m.version;
    m.set('a', 'running');
    expect(m.version).toBe(v);
    m.set('a', 'shut off');
    m.delete('a');
    m.delete('a');
    expect(m.version).toBe(v + 2);
  });

  it('memoByKey recomputes only when the key changes; memoFor only after its TTL', () => {
    let key = 'k1';
    let n = 0;
    const f = memoByKey(
      () => key,
      () => ++n,
    );
    expect([f(), f()]).toEqual([1, 1]);
    key = 'k2';
    expect(f()).toBe(2);
    let now = 0;
    let m = 0;
    const g = memoFor(
      1000,
      () => ++m,
      () => now,
    );
    expect([g(), g()]).toEqual([1, 1]);
    now = 999;
    expect(g()).toBe(1);
    now = 1000;
    expect(g()).toBe(2);
  });
});

describe('GET guests/vms/cts', () => {
  let t: TestManager;
  let auth: Record<string, string>;
  beforeAll(async () => {
    t = await testManager();
    auth = { authorization: `Bearer ${t.m.rootToken}` };
  }, 60_000);
  afterAll(async () => t?.close());

  const list = async (what: string) => {
    const r = await t.m.app.inject({
      method: 'GET',
      url: `/api/v1/nodes/${t.node}/${what}`,
      headers: auth,
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('application/json');
    return (JSON.parse(r.body) as { data: { id: number; state: string }[] }).data;
  };

  it('spawns no process per request and shows a state change at once', async () => {
    const created = await t.m.app.inject({
      method: 'POST',
      url: `/api/v1/nodes/${t.node}/vms`,
      headers: auth,
      payload: { name: 'hot', memory: 128, nics: [] },
    });
    const { id, task } = (JSON.parse(created.body) as { data: { id: number; task: string } }).data;
    await t.m.services.tasks.wait(task);
    const before = t.runner.calls.length;
    for (let i = 0; i < 50; i++) for (const what of ['guests', 'vms', 'cts']) await list(what);
    expect(t.runner.calls.length).toBe(before);
    expect((await list('guests')).find((g) => g.id === id)?.state).toBe('missing');

    const stop = await t.m.app.inject({
      method: 'POST',
      url: `/api/v1/nodes/${t.node}/vms/${id}/status/stop`,
      headers: auth,
    });
    await t.m.services.tasks.wait((JSON.parse(stop.body) as { data: { task: string } }).data.task);
    expect((await list('guests')).find((g) => g.id === id)?.state).toBe('shut off');
    expect((await list('vms')).find((g) => g.id === id)?.state).toBe('shut off');
  });
});
