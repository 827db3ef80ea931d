// `openve vm migrate ID NODE [--online|--offline]`: finds the node that owns the VM (any node of
// the cluster answers), starts the migration there and follows its task to the end, printing the
// task's progress lines (transferred, remaining, dirty rate, iteration; the downtime at the end).
import { ClusterResourcesSchema } from '../../contracts/manager/cluster.ts';
import { TaskDetailSchema, TaskStartedSchema } from '../../contracts/manager/views.ts';
import type { Client } from './client.ts';

interface Out {
  out(text: string): void;
  err(text: string): void;
}

export class MigrateUsage extends Error {}

export interface MigrateArgs {
  node?: string;
  online?: boolean;
  offline?: boolean;
  json?: boolean;
  'no-wait'?: boolean;
  'max-workers'?: string;
}

/** the request body from the flags; undefined online = the server decides (running: live) */
export function migrateBody(target: string, v: MigrateArgs): { target: string; online?: boolean } {
  if (v.online && v.offline) throw new MigrateUsage('online: give --online or --offline, not both');
  return { target, ...(v.online ? { online: true } : v.offline ? { online: false } : {}) };
}

export async function vmMigrateCommand(
  c: Client,
  v: MigrateArgs,
  pos: string[],
  io: Out,
  pollMs = 500,
): Promise<number> {
  const [, , id, target] = pos;
  if (!id || !/^\d+$/.test(id) || !target)
    throw new MigrateUsage('usage: openve vm migrate ID NODE [--online|--offline]');
  const body = migrateBody(target, v);
  let node = v.node;
  if (!node) {
    const r = await c.parsed(ClusterResourcesSchema, 'GET', '/api/v1/cluster/resources');
    const g = r.guests.find((x) => x.id === Number(id) && x.kind === 'vm');
    node = g?.node ?? r.nodes.find((n) => n.local)?.name;
  }
  const started = await c.parsed(
    TaskStartedSchema,
    'POST',
    `/api/v1/nodes/${encodeURIComponent(node ?? '')}/vms/${id}/migrate`,
    body,
  );
  return followTask(c, started, v, io, pollMs);
}

/** prints the task's log lines as they come until it ends; 1 when it failed */
export async function followTask(
  c: Client,
  started: { task: string; id?: number },
  v: MigrateArgs,
  io: Out,
  pollMs = 500,
): Promise<number> {
  if (v['no-wait']) {
    io.out(v.json ? JSON.stringify(started) + '\n' : `${started.task}\n`);
    return 0;
  }
  let seen = 0;
  for (;;) {
    const t = await c.parsed(
      TaskDetailSchema,
      'GET',
      `/api/v1/tasks/${encodeURIComponent(started.task)}`,
    );
    if (!v.json) for (const line of t.log.slice(seen)) io.out(`${line}\n`);
    seen = t.log.length;
    if (t.status !== 'running') {
      if (v.json) io.out(JSON.stringify({ ...started, status: t.status, error: t.error }) + '\n');
      if (t.status !== 'ok') {
        io.err(`task failed: ${t.error ?? 'unknown error'}\n`);
        return 1;
      }
      return 0;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** `openve node evacuate NODE [--max-workers 1|2]` (any node forwards it to NODE) */
export async function nodeEvacuateCommand(
  c: Client,
  v: MigrateArgs,
  pos: string[],
  io: Out,
): Promise<number> {
  const node = pos[2];
  if (!node) throw new MigrateUsage('usage: openve node evacuate NODE [--max-workers 1|2]');
  const w = v['max-workers'];
  const body = w === undefined ? {} : { maxWorkers: /^\d+$/.test(w) ? Number(w) : w };
  const started = await c.parsed(
    TaskStartedSchema,
    'POST',
    `/api/v1/nodes/${encodeURIComponent(node)}/evacuate`,
    body,
  );
  return followTask(c, started, v, io);
}
