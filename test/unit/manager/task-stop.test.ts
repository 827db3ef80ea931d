// DELETE /api/v1/tasks/{id} and `openve task stop ID`: a task that says it can stop is stopped
// (202, its work sees the abort signal and fails "stopped by USER"); one that cannot, or that has
// ended, answers 409 with the reason; an unknown id 404.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testManager, type TestManager } from './helpers.ts';
import { runCli } from '../../helpers/manager.ts';
import type { TaskContext } from '../../../manager/server/tasks.ts';

let t: TestManager;
beforeAll(async () => {
  t = await testManager();
}, 60_000);
afterAll(async () => t?.close());

const del = (id: string) =>
  t.m.app.inject({
    method: 'DELETE',
    url: `/api/v1/tasks/${encodeURIComponent(id)}`,
    headers: { authorization: `Bearer ${t.m.rootToken}` },
  });

/** a task that runs until stopped; `refuse` answers the stop with a reason instead */
const waiting = (refuse?: string) =>
  t.m.services.tasks.start('qmigrate', 'vm/100', 'root', async (ctx: TaskContext) => {
    ctx.stoppable(() => refuse);
    await new Promise((_, reject) =>
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)),
    );
  });

describe('stopping a task', () => {
  it('202: the work is aborted, the task fails saying who stopped it', async () => {
    const task = waiting();
    const r = await del(task.id);
    expect(r.statusCode, r.body).toBe(202);
    const end = await t.m.services.tasks.wait(task.id, 5000);
    expect(end?.status).toBe('error');
    expect(end?.error).toBe('stopped by root');
    expect(t.m.services.tasks.log(task.id).join('\n')).toContain('stop requested by root');
    // ended: 409 naming why
    const again = await del(task.id);
    expect(again.statusCode).toBe(409);
    expect(again.json<{ errors: { message: string }[] }>().errors[0]?.message).toMatch(
      /already ended \(error\)/,
    );
  });

  it("409 with the task's reason when it cannot stop now, and it keeps running", async () => {
    const task = waiting('too late: the VM has already moved');
    const r = await del(task.id);
    expect(r.statusCode).toBe(409);
    expect(r.json<{ errors: { message: string }[] }>().errors[0]?.message).toBe(
      'too late: the VM has already moved',
    );
    expect(t.m.services.tasks.get(task.id)?.status).toBe('running');
  });

  it('409 for a task that cannot be stopped at all, 404 for an unknown one', async () => {
    let release = () => {};
    const task = t.m.services.tasks.start('qmcreate', 'vm/101', 'root', () => {
      return new Promise<void>((r) => (release = r));
    });
    const r = await del(task.id);
    expect(r.statusCode).toBe(409);
    expect(r.body).toContain('a qmcreate task cannot be stopped');
    release();
    await t.m.services.tasks.wait(task.id, 5000);
    expect(t.m.services.tasks.get(task.id)?.status).toBe('ok');
    const unknown = await del(`UPID:${t.node}:0:000000:nothing`);
    expect(unknown.statusCode).toBe(404);
  });

  it('openve task stop ID', async () => {
    const task = waiting();
    const r = await runCli(t.m, 'task', 'stop', task.id);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(`stopping ${task.id}\n`);
    expect((await t.m.services.tasks.wait(task.id, 5000))?.status).toBe('error');
    const again = await runCli(t.m, 'task', 'stop', task.id);
    expect(again.code).not.toBe(0);
    expect(again.err).toMatch(/already ended/);
  });
});
