// Container restart migration (issue 14 part 4, like Proxmox's `pct migrate --restart`): the
// destination prepares an empty container for the config, the source shuts the container down
// and streams its root file system as a tar over the peer mutual TLS, the destination unpacks it,
// registers the container and starts it; only then does the source remove its copy. On a failure
// at any point the destination removes what it received and the source starts the container again.
// Directory storage only: a container whose root file system is an LVM-thin volume is refused with a
// 400 naming it and its volume (a move would make the volume on the destination, copy, and remove
// the source's only after the start there; not done yet).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import type { Runner } from '../../../lib/exec/index.ts';
import type { CtConfig, NodeFacts } from '../../../contracts/manager/guest.ts';
import { parseCtConfig } from '../../../contracts/manager/guest.ts';
import {
  CtPeerAnswerSchema,
  type CtMigrateRequest,
  type CtPrepare,
} from '../../../contracts/manager/ct-migrate.ts';
import { parseJson } from '../../../contracts/json.ts';
import { ctName, lxcConfig, lxcOverrides } from '../config/lxcConfig.ts';
import { ctRootfsVolume, ctVolumePlan } from '../config/volumes.ts';
import type { Lxc } from '../engines/lxc.ts';
import type { EventHub } from '../events.ts';
import type { TaskContext, TaskInfo, TaskManager } from '../tasks.ts';
import { writeFileAtomic } from '../state.ts';
import { badRequest, conflict, notFound } from '../api/errors.ts';
import type { GuestStore } from './store.ts';
import type { ClusterService } from '../cluster/view.ts';
import { PEER_PREFIX } from '../cluster/peer.ts';

const MiB = 1024 * 1024;

/** tar over a root file system with raw owners (an unprivileged container's shifted ids stay) */
const tarArgv = (dir: string, mode: string[]): string[] => [
  'tar',
  '-C',
  dir,
  '--numeric-owner',
  '--xattrs',
  '--acls',
  ...mode,
];
/** tar of a root file system to stdout */
export const tarCreateArgv = (dir: string): string[] => tarArgv(dir, ['-cpf', '-', '.']);
/** a root file system from stdin */
export const tarExtractArgv = (dir: string): string[] => tarArgv(dir, ['-xpf', '-']);

export interface CtMigrationDeps {
  store: GuestStore;
  lxc: Lxc;
  runner: Runner;
  facts: () => NodeFacts;
  tasks: TaskManager;
  hub: EventHub;
  tmpDir: string;
  cluster: ClusterService | undefined;
}

export class CtMigration {
  /** containers being received: id -> config */
  private readonly incoming = new Map<number, CtConfig>();
  /** root file systems being unpacked: abort waits for tar to have stopped before removing */
  private readonly receiving = new Map<number, Promise<unknown>>();

  constructor(private readonly d: CtMigrationDeps) {}

  /** source: checks the request, then moves the container in a `vzmigrate` task */
  migrate(id: number, req: CtMigrateRequest, user: string): { id: number; task: TaskInfo } {
    const rec = this.d.store.get(id);
    if (!rec || rec.kind !== 'ct') throw notFound('id', `no container ${id} on this node`);
    const cfg = rec.config;
    // any task holding the container (a migration, a delete): a 409 naming it
    this.d.store.unlocked(id, `container ${id}`);
    const c = this.d.cluster;
    const m = c?.membership.get();
    if (!c || !m) throw badRequest({ path: 'target', message: 'this node is in no cluster' });
    const others = m.nodes.filter((n) => n.name !== m.self).map((n) => n.name);
    if (req.target === m.self)
      throw badRequest({
        path: 'target',
        message: `${req.target} is this node: pick another member (${others.join(', ') || 'none'})`,
      });
    const member = c.member(req.target);
    if (!member)
      throw badRequest({
        path: 'target',
        message: `no node '${req.target}' in cluster '${m.clusterName}' (have: ${others.join(', ') || 'none'})`,
      });
    const name = ctName(id);
    const state = this.d.lxc.state(name);
    const running = state === 'RUNNING';
    if (running && !req.restart)
      throw badRequest({
        path: 'restart',
        message: `container ${id} is running: restart: true shuts it down, moves it and starts it on ${req.target}`,
      });
    if (state && !running && state !== 'STOPPED')
      throw conflict('state', `container ${id} is ${state.toLowerCase()}: wait for it to settle`);
    const facts = this.d.facts();
    const rootfs = ctRootfsVolume(cfg, facts.storages);
    // a thin volume is not moved (yet): refused before anything is stopped or sent
    if (rootfs.kind !== 'directory')
      throw badRequest({
        path: 'rootfs.storage',
        message: `container ${id} cannot move: its root file system is the LVM-thin volume ${rootfs.name} on '${rootfs.storage}', and only containers on a directory storage move between nodes`,
      });

    const ask = async (p: string, body: unknown) => {
      const res = await c.peer(member, {
        method: 'POST',
        path: `${PEER_PREFIX}/ct/${p}`,
        body: JSON.stringify(body),
      });
      const a = parseJson(
        CtPeerAnswerSchema,
        res.body.toString('utf8'),
        `answer of ${member.name}`,
      );
      if ('errors' in a)
        throw new Error(
          `${member.name}: ${a.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ')}`,
        );
    };

    const move = async (ctx: TaskContext) => {
      const t0 = performance.now();
      let prepared = false;
      let stopped = false;
      // a stop (DELETE /tasks/{id}) before the destination is told to take the container: the
      // root file system stream is cut, the destination removes what it received and the
      // container starts again here (the same path as a failure); once the commit is under way
      // (the destination registers and starts it) it is too late: 409
      let committing = false;
      let cut: ((err: Error) => void) | undefined;
      ctx.stoppable(() => {
        if (committing)
          return `container ${id} is being started on ${member.name}: too late to stop`;
        return undefined;
      });
      ctx.signal.addEventListener(
        'abort',
        () => cut?.((ctx.signal.reason as Error | undefined) ?? new Error('stopped')),
        { once: true },
      );
      try {
        ctx.log(`preparing container ${id} on ${member.name} (${member.address})`);
        const lxcConf = readFileSync(path.join(facts.lxcPath, name, 'config'), 'utf8');
        await ask('prepare', { config: cfg, lxcConfig: lxcConf, rootfsPath: rootfs.path });
        prepared = true;
        ctx.signal.throwIfAborted();
        if (running) {
          ctx.log(`shutting down container ${id} (killed after 60 s)`);
          await this.d.lxc.shutdown(name, 60);
          stopped = true;
        }
        ctx.signal.throwIfAborted();
        ctx.progress(0.1);
        const membership = c.membership.get();
        if (!membership) throw new Error('this node left the cluster');
        ctx.log(`sending the root file system ${rootfs.path} to ${member.name}`);
        const tar = this.d.runner.stream(tarCreateArgv(rootfs.path));
        let sent = 0;
        // counted on the way through to the peer
        const counted = tar.stdout.pipe(
          new Transform({
            transform(chunk: Buffer, _enc, cb) {
              sent += chunk.length;
              cb(null, chunk);
            },
          }),
        );
        const tSend = performance.now();
        // the destination answers once it has the whole request and tar has unpacked it; an error
        // answer can come before the end (its tar failed): then tar here is stopped, not waited for
        const sending = c.client
          .stream(membership, member, {
            method: 'PUT',
            path: `${PEER_PREFIX}/ct/${id}/rootfs`,
            body: counted,
            idleMs: 60_000,
          })
          .then((res) => {
            const a = parseJson(
              CtPeerAnswerSchema,
              res.body.toString('utf8'),
              `answer of ${member.name}`,
            );
            if ('errors' in a)
              throw new Error(`${member.name}: ${a.errors.map((e) => e.message).join('; ')}`);
          });
        cut = (err) => {
          tar.kill();
          counted.destroy(err);
        };
        await Promise.all([sending, tar.done]).catch((err: Error) => {
          tar.kill();
          throw ctx.signal.aborted ? (ctx.signal.reason as Error) : err;
        });
        cut = undefined;
        ctx.signal.throwIfAborted();
        const s = (performance.now() - tSend) / 1000;
        ctx.log(
          `root file system sent: ${(sent / MiB).toFixed(1)} MiB in ${s.toFixed(1)} s (${(sent / MiB / Math.max(s, 0.001)).toFixed(1)} MiB/s)`,
        );
        ctx.progress(0.8);
        ctx.log(
          running
            ? `starting container ${id} on ${member.name}`
            : `registering container ${id} on ${member.name}`,
        );
        committing = true;
        await ask(`${id}/commit`, { start: running });
      } catch (err) {
        ctx.log(`migration failed: ${(err as Error).message}`);
        if (prepared)
          await ask(`${id}/abort`, {}).catch((e: Error) =>
            ctx.log(`could not tell ${member.name} to remove what it received: ${e.message}`),
          );
        if (stopped) {
          ctx.log(`starting container ${id} again on this node`);
          await this.d.lxc.start(name);
        }
        throw err;
      }
      // the destination has it (and runs it): the copy here goes
      await this.d.lxc.destroy(name).catch((e: Error) => ctx.log(`lxc-destroy: ${e.message}`));
      for (const step of ctVolumePlan(cfg, facts.storages).remove) {
        ctx.log(`$ ${step.argv.join(' ')}`);
        await this.d.runner.run(step.argv, { reject: false });
      }
      this.d.store.remove(id);
      this.d.hub.emit({
        type: 'guest',
        kind: 'ct',
        id,
        state: 'deleted',
        at: new Date().toISOString(),
      });
      ctx.log(`migration finished: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    };
    // the container is locked for the whole move: start, stop, exec, delete, a second migration
    // answer 409 naming this task (like a VM's qmigrate)
    const task = this.d.store.holding(id, `container ${id}`, 'vzmigrate', (release) =>
      this.d.tasks.start('vzmigrate', `ct/${id}`, user, (ctx) => move(ctx).finally(release)),
    );
    return { id, task };
  }

  /** destination: an empty container for the config (its template need not be here) */
  async prepare(p: CtPrepare): Promise<void> {
    const facts = this.d.facts();
    const cfg: CtConfig = p.config;
    const parsed = parseCtConfig(cfg, facts);
    const issues = parsed.ok ? [] : parsed.issues.filter((i) => i.path !== 'template');
    if (issues.length) throw badRequest(issues);
    const id = cfg.id;
    if (this.incoming.has(id)) throw conflict('id', `container ${id} is already being received`);
    this.d.store.reserve(id);
    const rootfs = ctRootfsVolume(cfg, facts.storages);
    try {
      if (rootfs.kind !== 'directory')
        throw badRequest({
          path: 'rootfs.storage',
          message: `${rootfs.storage} is not a directory storage on ${facts.name}`,
        });
      mkdirSync(path.dirname(rootfs.path), { recursive: true });
      mkdirSync(rootfs.path, { mode: 0o755 });
    } catch (err) {
      this.d.store.release(id);
      if ((err as { code?: string }).code === 'EEXIST')
        throw conflict('id', `${rootfs.path} already exists on ${facts.name}`);
      throw err;
    }
    this.incoming.set(id, cfg);
    const name = ctName(id);
    const conf = path.join(this.d.tmpDir, `${name}.conf`);
    try {
      writeFileAtomic(conf, lxcConfig(cfg, facts));
      await this.d.lxc.create(name, conf, { kind: 'none' }, rootfs.path, lxcOverrides(cfg, facts));
      // the source's own config (with its template's keys), pointed at the root file system here
      writeFileSync(
        path.join(facts.lxcPath, name, 'config'),
        p.lxcConfig.split(p.rootfsPath).join(rootfs.path),
      );
    } catch (err) {
      await this.abort(id);
      throw err;
    }
  }

  /** destination: the root file system as a tar stream */
  async receive(id: number, body: Readable): Promise<void> {
    const cfg = this.incoming.get(id);
    if (!cfg) throw notFound('id', `container ${id} is not being received`);
    const dir = ctRootfsVolume(cfg, this.d.facts().storages).path;
    // the request is read to its end whatever tar does: tar exits at its end-of-archive record,
    // often before the request's end has arrived (the runner drains the rest, see lib/exec/stream.ts)
    const received = new Promise<void>((resolve, reject) => {
      body.once('end', resolve);
      body.once('error', reject);
      body.once('close', () => {
        if (!body.readableEnded)
          reject(new Error('the sender stopped in the middle of the transfer'));
      });
    });
    const tar = this.d.runner.stream(tarExtractArgv(dir), { input: body, stdout: 'ignore' });
    const done = Promise.all([received, tar.done]).catch((err: Error) => {
      tar.kill();
      throw err;
    });
    const settled = tar.done.catch(() => {});
    this.receiving.set(id, settled);
    try {
      await done;
    } finally {
      if (this.receiving.get(id) === settled) this.receiving.delete(id);
    }
  }

  /** destination: the container is ours now; started when it ran on the source */
  async commit(id: number, start: boolean): Promise<void> {
    const cfg = this.incoming.get(id);
    if (!cfg) throw notFound('id', `container ${id} is not being received`);
    this.d.store.put({ kind: 'ct', config: cfg });
    this.incoming.delete(id);
    if (!start) return;
    try {
      await this.d.lxc.start(ctName(id));
    } catch (err) {
      this.d.store.remove(id);
      this.incoming.set(id, cfg);
      await this.abort(id);
      throw err;
    }
  }

  /** destination: removes what was received for `id` (nothing when it was committed) */
  async abort(id: number): Promise<void> {
    const cfg = this.incoming.get(id);
    if (!cfg) return;
    this.incoming.delete(id);
    await this.receiving.get(id);
    await this.d.lxc.destroy(ctName(id)).catch(() => {});
    const facts = this.d.facts();
    rmSync(ctRootfsVolume(cfg, facts.storages).path, { recursive: true, force: true });
    this.d.store.release(id);
  }
}
