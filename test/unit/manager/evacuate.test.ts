// `openve node evacuate`: the migrateall task moves the running VMs (live, qmigrate) and the running
// containers (restart, vzmigrate) of the node, at most maxWorkers at a time, stopped guests stay,
// and its log ends with a summary naming what moved where; a guest that could not move fails the
// task with the reason.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { EventHub } from '../../../manager/server/events.ts';
import { TaskManager, type TaskInfo } from '../../../manager/server/tasks.ts';
import { evacuate } from '../../../manager/server/migrate/evacuate.ts';
import type { MigrationDeps } from '../../../manager/server/migrate/deps.ts';
import type { MigrationService } from '../../../manager/server/migrate/service.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'openve-cl-evac-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rig(o: { ctFails?: number; offline?: string[] }) {
  const tasks = new TaskManager(dir, 'cl1', new EventHub());
  let running = 0;
  let peak = 0;
  const moves: string[] = [];
  const move = (what: string, fail?: string): TaskInfo =>
    tasks.start(what.startsWith('vm') ? 'qmigrate' : 'vzmigrate', what, 'root', async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 30));
      running--;
      if (fail) throw new Error(fail);
      moves.push(what);
    });
  const vmState: Record<number, string> = { 101: 'running', 102: 'running', 103: 'shut off' };
  const d = {
    tasks,
    facts: () => ({ name: 'cl1' }),
    store: { list: () => Object.keys(vmState).map((id) => ({ config: { id: Number(id) } })) },
    libvirt: { state: (dom: string) => vmState[Number(dom.slice(3))] },
    cluster: {
      resources: async () => ({
        nodes: [
          { name: 'cl1', local: true, online: true },
          ...['cl2', 'cl3'].map((n) => ({
            name: n,
            local: false,
            online: !o.offline?.includes(n),
            ...(o.offline?.includes(n) ? { error: 'connect ECONNREFUSED' } : {}),
          })),
        ],
      }),
    },
    containers: {
      running: () => [201, 202],
      migrate: (id: number, target: string) =>
        move(`ct/${id}@${target}`, id === o.ctFails ? 'tar failed' : undefined),
    },
  } as unknown as MigrationDeps;
  const migration = {
    preconditions: async () => ({
      targets: ['cl2', 'cl3'].map((node) => ({
        node,
        online: !o.offline?.includes(node),
        allowed: !o.offline?.includes(node),
      })),
    }),
    start: async (id: number, body: { target: string }) => move(`vm/${id}@${body.target}`),
  } as unknown as MigrationService;
  return { tasks, d, migration, moves, peak: () => peak };
}

describe('node evacuation', () => {
  test('running VMs and containers move, two at a time, spread over the nodes; a summary', async () => {
    const r = rig({});
    const t = evacuate(r.d, r.migration, 'root', 2);
    const end = await r.tasks.wait(t.id, 10_000);
    const log = r.tasks.log(t.id).join('\n');
    expect(end?.status, log).toBe('ok');
    expect(r.moves.sort()).toEqual(['ct/201@cl2', 'ct/202@cl3', 'vm/101@cl2', 'vm/102@cl3']);
    expect(r.peak()).toBe(2);
    expect(log).toContain('2 running VM(s) (live) and 2 running container(s) (restart) to move');
    expect(log).toContain(
      'evacuation of cl1: 2 of 2 VM(s) and 2 of 2 container(s) moved (vm 101 -> cl2, vm 102 -> cl3, ct 201 -> cl2, ct 202 -> cl3)',
    );
  });

  test('one at a time; a container that fails and an offline node are named, the task fails', async () => {
    const r = rig({ ctFails: 202, offline: ['cl3'] });
    const t = evacuate(r.d, r.migration, 'root', 1);
    const end = await r.tasks.wait(t.id, 10_000);
    const log = r.tasks.log(t.id).join('\n');
    expect(r.peak()).toBe(1);
    expect(r.moves.sort()).toEqual(['ct/201@cl2', 'vm/101@cl2', 'vm/102@cl2']);
    expect(log).toContain('evacuation of cl1: 2 of 2 VM(s) and 1 of 2 container(s) moved');
    expect(end?.status).toBe('error');
    expect(end?.error).toBe('not moved: ct 202 (tar failed)');
  });
});
