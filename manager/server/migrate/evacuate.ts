// Node maintenance: every running VM of this node moves live to another node (task `migrateall`),
// one or two at a time, each as its own `qmigrate` task, with a summary at the end. Containers are
// not moved here (their restart migration is the `mgr` helper's; stopped VMs stay).
import type { MigratePreconditions } from '../../../contracts/manager/migrate.ts';
import { domainName } from '../config/domainXml.ts';
import type { TaskContext, TaskInfo } from '../tasks.ts';
import type { MigrationDeps } from './deps.ts';
import type { MigrationService } from './service.ts';

/** Each VM to the allowed target that has been given the fewest so far (pure). */
export function evacuationPlan(
  vms: { id: number; targets: MigratePreconditions['targets'] }[],
): { id: number; target?: string; reason?: string }[] {
  const load = new Map<string, number>();
  return vms.map((vm) => {
    const ok = vm.targets.filter((t) => t.allowed);
    if (!ok.length)
      return {
        id: vm.id,
        reason: vm.targets.length
          ? vm.targets.map((t) => `${t.node}: ${t.reason ?? 'not allowed'}`).join('; ')
          : 'no other node in the cluster',
      };
    const best = ok.reduce((a, b) => ((load.get(b.node) ?? 0) < (load.get(a.node) ?? 0) ? b : a));
    load.set(best.node, (load.get(best.node) ?? 0) + 1);
    return { id: vm.id, target: best.node };
  });
}

export function evacuate(
  d: MigrationDeps,
  migration: MigrationService,
  user: string,
  maxWorkers: 1 | 2,
): TaskInfo {
  const self = d.facts().name;
  return d.tasks.start('migrateall', `node/${self}`, user, async (ctx: TaskContext) => {
    const running = d.store
      .list('vm')
      .map((r) => r.config.id)
      .filter((id) => d.libvirt.state(domainName(id)) === 'running');
    ctx.log(`${running.length} running VM(s) to move, ${maxWorkers} at a time`);
    const plan = evacuationPlan(
      await Promise.all(
        running.map(async (id) => ({ id, targets: (await migration.preconditions(id)).targets })),
      ),
    );
    const done: string[] = [];
    const failed: string[] = [];
    for (const p of plan) if (!p.target) failed.push(`${p.id} (${p.reason})`);
    const queue = plan.filter((p) => p.target);
    let finished = 0;
    const worker = async () => {
      for (let p = queue.shift(); p; p = queue.shift()) {
        const target = p.target as string;
        try {
          const t = await migration.start(p.id, { target, online: true }, user);
          ctx.log(`VM ${p.id} -> ${target}: ${t.id}`);
          const end = await d.tasks.wait(t.id, 60 * 60_000);
          if (end?.status === 'ok') done.push(`${p.id} -> ${target}`);
          else failed.push(`${p.id} (${end?.error ?? 'did not end'})`);
        } catch (err) {
          failed.push(`${p.id} (${(err as Error).message})`);
        }
        ctx.progress(++finished / Math.max(1, plan.length));
      }
    };
    await Promise.all(Array.from({ length: maxWorkers }, worker));
    ctx.log(
      `evacuation of ${self}: ${done.length} of ${plan.length} VM(s) moved${done.length ? ` (${done.join(', ')})` : ''}`,
    );
    if (failed.length) throw new Error(`not moved: ${failed.join('; ')}`);
  });
}
