// Node maintenance: every running guest of this node moves to another node (task `migrateall`),
// one or two at a time, each as its own task with a summary at the end: VMs live (`qmigrate`, the
// destination checked first), containers by restart (`vzmigrate`: shut down, moved, started there;
// to an online member). Stopped guests stay.
import type { MigratePreconditions } from '../../../contracts/manager/migrate.ts';
import { domainName } from '../config/domainXml.ts';
import type { TaskContext, TaskInfo } from '../tasks.ts';
import type { MigrationDeps } from './deps.ts';
import type { MigrationService } from './service.ts';

export type GuestKind = 'vm' | 'ct';

/** Each guest to the allowed target that has been given the fewest so far (pure). */
export function evacuationPlan(
  guests: { id: number; kind?: GuestKind; targets: MigratePreconditions['targets'] }[],
): { id: number; kind: GuestKind; target?: string; reason?: string }[] {
  const load = new Map<string, number>();
  return guests.map((g) => {
    const kind = g.kind ?? 'vm';
    const ok = g.targets.filter((t) => t.allowed);
    if (!ok.length)
      return {
        id: g.id,
        kind,
        reason: g.targets.length
          ? g.targets.map((t) => `${t.node}: ${t.reason ?? 'not allowed'}`).join('; ')
          : 'no other node in the cluster',
      };
    const best = ok.reduce((a, b) => ((load.get(b.node) ?? 0) < (load.get(a.node) ?? 0) ? b : a));
    load.set(best.node, (load.get(best.node) ?? 0) + 1);
    return { id: g.id, kind, target: best.node };
  });
}

/** `3 of 3 VM(s) and 1 of 2 container(s) moved (vm 101 -> n2, ct 200 -> n3)` */
export function evacuationSummary(
  node: string,
  plan: readonly { id: number; kind: GuestKind }[],
  moved: readonly { id: number; kind: GuestKind; target: string }[],
): string {
  const count = (k: GuestKind) => plan.filter((p) => p.kind === k).length;
  const done = (k: GuestKind) => moved.filter((p) => p.kind === k).length;
  const parts = [`${done('vm')} of ${count('vm')} VM(s)`];
  if (count('ct')) parts.push(`${done('ct')} of ${count('ct')} container(s)`);
  const list = moved.map((p) => `${p.kind} ${p.id} -> ${p.target}`).join(', ');
  return `evacuation of ${node}: ${parts.join(' and ')} moved${list ? ` (${list})` : ''}`;
}

export function evacuate(
  d: MigrationDeps,
  migration: MigrationService,
  user: string,
  maxWorkers: 1 | 2,
): TaskInfo {
  const self = d.facts().name;
  return d.tasks.start('migrateall', `node/${self}`, user, async (ctx: TaskContext) => {
    const vms = d.store
      .list('vm')
      .map((r) => r.config.id)
      .filter((id) => d.libvirt.state(domainName(id)) === 'running');
    const cts = d.containers?.running() ?? [];
    ctx.log(
      `${vms.length} running VM(s) (live) and ${cts.length} running container(s) (restart) to move, ${maxWorkers} at a time`,
    );
    // containers go to an online member (its own prepare checks the rest)
    const ctTargets = async (): Promise<MigratePreconditions['targets']> => {
      if (!cts.length || !d.cluster) return [];
      const view = await d.cluster.resources();
      return view.nodes
        .filter((n) => !n.local)
        .map((n) => ({
          node: n.name,
          online: n.online,
          allowed: n.online,
          ...(n.online ? {} : { reason: `offline${n.error ? `: ${n.error}` : ''}` }),
        }));
    };
    const forCts = await ctTargets();
    const plan = evacuationPlan([
      ...(await Promise.all(
        vms.map(async (id) => ({
          id,
          kind: 'vm' as const,
          targets: (await migration.preconditions(id)).targets,
        })),
      )),
      ...cts.map((id) => ({ id, kind: 'ct' as const, targets: forCts })),
    ]);
    const moved: { id: number; kind: GuestKind; target: string }[] = [];
    const failed: string[] = [];
    for (const p of plan) if (!p.target) failed.push(`${p.kind} ${p.id} (${p.reason})`);
    const queue = plan.filter((p) => p.target);
    let finished = 0;
    const worker = async () => {
      for (let p = queue.shift(); p; p = queue.shift()) {
        const target = p.target as string;
        try {
          const t =
            p.kind === 'vm'
              ? await migration.start(p.id, { target, online: true }, user)
              : d.containers!.migrate(p.id, target, user);
          ctx.log(`${p.kind === 'vm' ? 'VM' : 'container'} ${p.id} -> ${target}: ${t.id}`);
          const end = await d.tasks.wait(t.id, 60 * 60_000);
          if (end?.status === 'ok') moved.push({ id: p.id, kind: p.kind, target });
          else failed.push(`${p.kind} ${p.id} (${end?.error ?? 'did not end'})`);
        } catch (err) {
          failed.push(`${p.kind} ${p.id} (${(err as Error).message})`);
        }
        ctx.progress(++finished / Math.max(1, plan.length));
      }
    };
    await Promise.all(Array.from({ length: maxWorkers }, worker));
    ctx.log(evacuationSummary(self, plan, moved));
    if (failed.length) throw new Error(`not moved: ${failed.join('; ')}`);
  });
}
