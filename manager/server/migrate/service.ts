// The source side of a VM migration (task `qmigrate`, the guest locked throughout):
//   1. the destination manager prepares (its storage checked, the volumes created at the same
//      paths, the id reserved) over the peer mutual-TLS channel;
//   2. online: `virsh migrate --live --p2p --persistent --undefinesource --auto-converge
//      [--copy-storage-all] [--tls]` to the destination's libvirt, `domjobinfo` polled into the
//      task's progress and log; offline (a stopped VM): each volume streamed over the peer
//      channel (libvirt 9 cannot copy storage of a domain that does not run);
//   3. the destination records the guest (commit); only then are the source's volumes removed
//      (and, offline, its domain undefined).
// Any failure before the VM runs on the destination: the job is aborted when still active, the
// destination removes what it prepared, the VM keeps running here with its disks, the task fails
// with the reason.
import { statSync } from 'node:fs';
import {
  MigrateCheckAnswerSchema,
  MigrateCommitAnswerSchema,
  type MigratePreconditions,
  type MigratePrepare,
  type MigrateRequest,
} from '../../../contracts/manager/migrate.ts';
import * as z from 'zod';
import type { VmConfig } from '../../../contracts/manager/guest.ts';
import { ApiError, badRequest, conflict, notFound } from '../api/errors.ts';
import { domainName } from '../config/domainXml.ts';
import { vmVolumePlan } from '../config/volumes.ts';
import type { TaskContext, TaskInfo } from '../tasks.ts';
import type { MigrationDeps } from './deps.ts';
import {
  finishedLine,
  localDisks,
  migrateArgv,
  migrateVolumes,
  parseJobInfo,
  progressFraction,
  progressLine,
} from './plan.ts';
import { peerJson, peerUpload } from './transport.ts';
import { evacuate } from './evacuate.ts';
import { removeGuestDirs } from './receiver.ts';
import { abortUntilDone } from './jobAbort.ts';

const NullSchema = z.null();

export class MigrationService {
  constructor(private readonly d: MigrationDeps) {}

  /** every running VM of this node to other nodes (task migrateall) */
  evacuate(user: string, maxWorkers: 1 | 2 = 1): TaskInfo {
    return evacuate(this.d, this, user, maxWorkers);
  }

  private vm(id: number): VmConfig {
    const r = this.d.store.get(id);
    if (!r || r.kind !== 'vm') throw notFound('id', `no VM ${id} on this node`);
    return r.config;
  }

  private running(id: number): boolean {
    return this.d.libvirt.state(domainName(id)) === 'running';
  }

  private request(cfg: VmConfig, offline: boolean): MigratePrepare {
    return {
      id: cfg.id,
      config: cfg as unknown as Record<string, unknown>,
      volumes: migrateVolumes(cfg, this.d.facts().storages),
      offline,
    };
  }

  async preconditions(id: number): Promise<MigratePreconditions> {
    const cfg = this.vm(id);
    const running = this.running(id);
    const m = this.d.cluster?.membership.get();
    const others = m ? m.nodes.filter((n) => n.name !== m.self) : [];
    const targets = await Promise.all(
      others.map(async (n) => {
        try {
          const a = await peerJson(
            this.d.cluster!,
            n.name,
            'check',
            this.request(cfg, !running),
            MigrateCheckAnswerSchema,
            3000,
          );
          return {
            node: n.name,
            online: true,
            allowed: a.ok,
            ...(a.reason ? { reason: a.reason } : {}),
          };
        } catch (err) {
          return {
            node: n.name,
            online: false,
            allowed: false,
            reason: `offline: ${(err as Error).message.split('\n')[0]}`,
          };
        }
      }),
    );
    return { running, localDisks: localDisks(cfg, this.d.facts().storages), targets };
  }

  /** checks the request and the destination, then starts the task */
  async start(id: number, body: MigrateRequest, user: string): Promise<TaskInfo> {
    const cfg = this.vm(id);
    const self = this.d.facts().name;
    const c = this.d.cluster;
    const m = c?.membership.get();
    if (body.target === self)
      throw badRequest({ path: 'target', message: `is this node (${self}): pick another node` });
    if (!c || !m)
      throw badRequest({ path: 'target', message: 'this node is in no cluster: no other node' });
    if (!c.member(body.target))
      throw badRequest({
        path: 'target',
        message: `no node '${body.target}' in cluster '${m.clusterName}' (members: ${m.nodes.map((n) => n.name).join(', ')})`,
      });
    const running = this.running(id);
    const online = body.online ?? running;
    if (online && !running)
      throw badRequest({
        path: 'online',
        message: `VM ${id} is ${this.d.libvirt.state(domainName(id)) ?? 'missing'}: only a running VM moves online (omit online or set it false)`,
      });
    if (!online && running)
      throw badRequest({
        path: 'online',
        message: `VM ${id} is running: it moves online (or shut it down first to move it offline)`,
      });
    const by = this.d.store.lockedBy(id);
    if (by) throw conflict('id', `VM ${id} is busy (${by}): try again when it has ended`);
    const req = this.request(cfg, !online);
    let check;
    try {
      check = await peerJson(c, body.target, 'check', req, MigrateCheckAnswerSchema, 10_000);
    } catch (err) {
      throw badRequest({
        path: 'target',
        message: `node ${body.target} is offline or did not answer: ${(err as Error).message.split('\n')[0]}`,
      });
    }
    if (!check.ok) throw badRequest({ path: 'target', message: `${body.target} ${check.reason}` });
    if (!this.d.store.lock(id, 'migrate'))
      throw conflict('id', `VM ${id} is busy: try again when it has ended`);
    try {
      return this.d.tasks.start('qmigrate', `vm/${id}`, user, async (ctx) => {
        try {
          if (online) await this.live(cfg, body.target, req, ctx);
          else await this.offline(cfg, body.target, req, ctx);
        } finally {
          this.d.store.unlock(id);
        }
      });
    } catch (err) {
      this.d.store.unlock(id);
      throw err;
    }
  }

  private async prepare(target: string, req: MigratePrepare, ctx: TaskContext): Promise<string> {
    ctx.log(
      req.volumes.length
        ? `preparing ${req.volumes.map((v) => `${v.storage}:${v.name} (${Math.round(v.size / 1024 ** 2)} MiB)`).join(', ')} on ${target}`
        : `asking ${target} to receive VM ${req.id}`,
    );
    const a = await peerJson(this.d.cluster!, target, 'prepare', req, MigrateCheckAnswerSchema);
    return a.libvirtUri;
  }

  /** the destination removes what it prepared; a failure to reach it is logged, not thrown */
  private async undo(target: string, id: number, ctx: TaskContext): Promise<void> {
    try {
      await peerJson(this.d.cluster!, target, 'abort', { id }, NullSchema);
      ctx.log(`${target} removed what it had prepared`);
    } catch (err) {
      ctx.log(`could not clean up on ${target}: ${(err as Error).message}`);
    }
  }

  private async finish(cfg: VmConfig, ctx: TaskContext, undefine: boolean): Promise<void> {
    if (undefine) await this.d.libvirt.undefine(domainName(cfg.id), cfg.firmware === 'uefi');
    for (const s of vmVolumePlan(cfg, this.d.facts().storages).remove) {
      ctx.log(`source volume removed: $ ${s.argv.join(' ')}`);
      await this.d.runner.run(s.argv, { reject: false });
    }
    removeGuestDirs(cfg.id, migrateVolumes(cfg, this.d.facts().storages));
    this.d.store.remove(cfg.id);
    this.d.hub.emit({
      type: 'guest',
      kind: 'vm',
      id: cfg.id,
      state: 'migrated',
      at: new Date().toISOString(),
    });
  }

  private async live(
    cfg: VmConfig,
    target: string,
    req: MigratePrepare,
    ctx: TaskContext,
  ): Promise<void> {
    const dom = domainName(cfg.id);
    const started = performance.now();
    // a stop (DELETE /tasks/{id}): before `virsh migrate` runs, the move just does not start;
    // while it runs, `virsh domjobabort` every 500 ms until `virsh migrate` has returned (the job
    // may not exist yet when the stop arrives); once libvirt has finished, it is too late (409)
    let phase: 'prepare' | 'migrate' | 'rollback' | 'commit' = 'prepare';
    const job: { running?: Promise<unknown> } = {};
    const jobAbort = () =>
      abortUntilDone({
        abort: () =>
          this.d.runner.run(['virsh', '-q', '-c', this.d.libvirtUri, 'domjobabort', dom], {
            reject: false,
            timeoutMs: 30_000,
          }),
        active: () => phase === 'migrate',
        done: () => job.running,
        log: (line) => ctx.log(line),
      });
    ctx.stoppable(() => {
      if (phase === 'commit')
        return `VM ${cfg.id} has already moved to ${target} (the migration is being recorded): too late to stop`;
      if (phase === 'rollback')
        return `the migration of VM ${cfg.id} has failed and is being rolled back: it stops by itself`;
      if (phase === 'migrate') void jobAbort();
      return undefined;
    });
    const stopped = () => {
      const r = ctx.signal.reason as Error | undefined;
      return `migration to ${target} stopped: ${r?.message ?? 'stopped'}`;
    };
    const destUri = await this.prepare(target, req, ctx).catch(async (err: unknown) => {
      if (ctx.signal.aborted) await this.undo(target, cfg.id, ctx);
      throw err;
    });
    if (ctx.signal.aborted) {
      await this.undo(target, cfg.id, ctx);
      ctx.log(`VM ${cfg.id} keeps running on ${this.d.facts().name} with its disks`);
      throw new ApiError(409, { path: 'target', message: stopped() });
    }
    const argv = migrateArgv({
      sourceUri: this.d.libvirtUri,
      domain: dom,
      destUri,
      copyStorage: req.volumes.length > 0,
      tls: destUri.startsWith('qemu+tls:'),
    });
    ctx.log(`$ ${argv.join(' ')}`);
    ctx.log(
      'convergence: --auto-converge (a guest dirtying memory faster than the link is throttled, the downtime limit stays at 300 ms)',
    );
    let done = false;
    phase = 'migrate';
    const running = this.d.runner.run(argv, { reject: false, timeoutMs: 60 * 60_000 });
    job.running = running;
    // progress once a second; the wait ends as soon as `virsh migrate` returns (no idle second
    // added to every migration), and a `domjobinfo` still running then is not waited for
    void (async () => {
      let last = '';
      while (!done) {
        await Promise.race([running, new Promise((r) => setTimeout(r, 1000))]);
        if (done) break;
        const r = await this.d.runner.run(
          ['virsh', '-q', '-c', this.d.libvirtUri, 'domjobinfo', dom],
          { reject: false, timeoutMs: 10_000 },
        );
        const j = parseJobInfo(r.stdout);
        const line = progressLine(j);
        if (!done && line && line !== last) {
          ctx.log(line);
          ctx.progress(progressFraction(j));
          last = line;
        }
      }
    })().catch(() => {});
    const r = await running;
    phase = r.exitCode === 0 ? 'commit' : 'rollback';
    done = true;
    if (r.exitCode === 0 && ctx.signal.aborted)
      ctx.log('the stop came too late: libvirt had already moved the VM');
    if (r.exitCode !== 0) {
      const why = ctx.signal.aborted
        ? stopped()
        : (r.stderr.trim().split('\n').filter(Boolean).pop() ?? `exit ${r.exitCode}`);
      ctx.log(`virsh migrate failed: ${why}`);
      await this.d.runner.run(['virsh', '-q', '-c', this.d.libvirtUri, 'domjobabort', dom], {
        reject: false,
        timeoutMs: 30_000,
      });
      await this.d.libvirt.refresh().catch(() => {});
      if (this.d.libvirt.state(dom)) {
        await this.undo(target, cfg.id, ctx);
        ctx.log(`VM ${cfg.id} keeps running on ${this.d.facts().name} with its disks`);
      } else
        ctx.log(
          `VM ${cfg.id}'s domain is no longer here: it may run on ${target}; its disks are kept here`,
        );
      if (ctx.signal.aborted) throw new ApiError(409, { path: 'target', message: why });
      throw new ApiError(500, { path: 'target', message: `migration to ${target} failed: ${why}` });
    }
    ctx.progress(0.99);
    let stats;
    try {
      stats = await peerJson(
        this.d.cluster!,
        target,
        'commit',
        { id: cfg.id },
        MigrateCommitAnswerSchema,
      );
    } catch (err) {
      ctx.log(
        `VM ${cfg.id} runs on ${target}, but ${target} did not record it; its disks are kept here`,
      );
      throw err;
    }
    await this.d.libvirt.refresh().catch(() => {});
    await this.finish(cfg, ctx, false);
    ctx.log(finishedLine((performance.now() - started) / 1000, stats.downtimeMs));
  }

  private async offline(
    cfg: VmConfig,
    target: string,
    req: MigratePrepare,
    ctx: TaskContext,
  ): Promise<void> {
    const started = performance.now();
    // a stop: the volume stream in progress is cut, then the same undo as on a failure
    let committing = false;
    ctx.stoppable(() =>
      committing ? `VM ${cfg.id} is being recorded on ${target}: too late to stop` : undefined,
    );
    await this.prepare(target, req, ctx);
    try {
      ctx.signal.throwIfAborted();
      const total = req.volumes.reduce((a, v) => a + v.size, 0) || 1;
      let sent = 0;
      for (const v of req.volumes) {
        const size = v.kind === 'file' ? statSync(v.path).size : v.size;
        ctx.log(`copying ${v.name} (${Math.round(size / 1024 ** 2)} MiB) to ${target}`);
        await peerUpload(this.d.cluster!, this.d.peerPort, target, {
          id: cfg.id,
          name: v.name,
          source: v.path,
          size,
          timeoutMs: 10 * 60_000,
          signal: ctx.signal,
        });
        sent += v.size;
        ctx.progress(Math.min(0.99, sent / total));
      }
      ctx.signal.throwIfAborted();
      committing = true;
      await peerJson(this.d.cluster!, target, 'commit', { id: cfg.id }, MigrateCommitAnswerSchema);
    } catch (err) {
      await this.undo(target, cfg.id, ctx);
      ctx.log(`VM ${cfg.id} stays on ${this.d.facts().name} with its disks`);
      throw err;
    }
    await this.finish(cfg, ctx, true);
    ctx.log(`migration finished: ${((performance.now() - started) / 1000).toFixed(1)} s (offline)`);
  }
}
