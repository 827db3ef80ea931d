// The container controller: container requests -> volume plan + LXC config -> lxc-*, each long
// action a task.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CommandRunner, CommandResult } from '../../../lib/exec/index.ts';
import type { CtConfig, NodeFacts } from '../../../contracts/manager/guest.ts';
import { CtPasswordSchema, parseCtConfig } from '../../../contracts/manager/guest.ts';
import { zodIssues } from '../../../contracts/manager/issues.ts';
import { hashPassword } from '../../../installer/index.ts';
import { shadowWithRootHash, updateInRootfs, withKeys } from './credentials.ts';
import { writeCtNetwork } from './ctNetwork.ts';
import { ctName, IDMAP, lxcConfig, lxcOverrides } from '../config/lxcConfig.ts';
import { ctRootfsVolume, ctVolumePlan } from '../config/volumes.ts';
import type { Lxc } from '../engines/lxc.ts';
import type { TaskInfo, TaskManager } from '../tasks.ts';
import type { EventHub } from '../events.ts';
import { writeFileAtomic } from '../state.ts';
import { badRequest, conflict, notFound } from '../api/errors.ts';
import type { GuestStore } from './store.ts';
import { destroyTask } from './destroy.ts';
import { randomMac } from './vms.ts';
import type { TerminalStream } from '../consoles.ts';

/** the create body without its password (which travels only in the request), and the password checked */
function splitPassword(input: unknown): {
  rest: unknown;
  password?: string;
  issues: { path: string; message: string }[];
} {
  if (typeof input !== 'object' || input === null || !('password' in input))
    return { rest: input, issues: [] };
  const { password, ...rest } = input as Record<string, unknown>;
  const r = CtPasswordSchema.safeParse(password);
  if (!r.success)
    return { rest, issues: zodIssues(r.error).map((i) => ({ ...i, path: 'password' })) };
  return { rest, password: r.data, issues: [] };
}

export type CtAction = 'start' | 'stop' | 'shutdown';

export interface CtView {
  id: number;
  kind: 'ct';
  name: string;
  state: string;
  memory: number;
  cores: number | null;
  unprivileged: boolean;
}

export class CtController {
  constructor(
    private readonly deps: {
      store: GuestStore;
      lxc: Lxc;
      tasks: TaskManager;
      hub: EventHub;
      runner: CommandRunner;
      facts: () => NodeFacts;
      tmpDir: string;
      log?: (line: string) => void;
    },
  ) {}

  view(cfg: CtConfig): CtView {
    const st = this.deps.lxc.state(ctName(cfg.id));
    return {
      id: cfg.id,
      kind: 'ct',
      name: cfg.hostname,
      state: st ? st.toLowerCase() : 'missing',
      memory: cfg.memory,
      cores: cfg.cores ?? null,
      unprivileged: cfg.unprivileged,
    };
  }

  /** changes whenever list() would answer differently */
  listVersion(): string {
    return `${this.deps.store.version}.${this.deps.lxc.version}`;
  }

  list(): CtView[] {
    return this.deps.store.list('ct').map((r) => this.view(r.config as CtConfig));
  }

  config(id: number): CtConfig {
    const r = this.deps.store.get(id);
    if (!r || r.kind !== 'ct') throw notFound('id', `no container ${id} on this node`);
    return r.config;
  }

  create(input: unknown, user: string): { id: number; task: TaskInfo } {
    const facts = this.deps.facts();
    const { rest, password, issues } = splitPassword(input);
    const parsed = parseCtConfig(rest, facts);
    if (!parsed.ok || issues.length)
      throw badRequest([...(parsed.ok ? [] : parsed.issues), ...issues]);
    const st = facts.storages.find((s) => s.id === parsed.value.rootfs.storage);
    if (st?.type === 'lvmthin')
      throw badRequest({
        path: 'rootfs.storage',
        message: `containers on LVM-thin (${st.id}) are not supported yet: use a dir storage`,
      });
    const id = this.deps.store.reserve(parsed.value.id);
    const cfg: CtConfig = {
      ...parsed.value,
      id,
      nics: parsed.value.nics.map((n) => ({ ...n, mac: n.mac ?? randomMac() })),
    };
    const plan = ctVolumePlan(cfg, facts.storages);
    const rootfs = ctRootfsVolume(cfg, facts.storages);
    const name = ctName(id);
    const task = this.deps.tasks.start('vzcreate', `ct/${id}`, user, async (ctx) => {
      const conf = path.join(this.deps.tmpDir, `${name}.conf`);
      writeFileAtomic(conf, lxcConfig(cfg, facts));
      let created = false;
      try {
        for (const step of plan.create) {
          ctx.log(`$ ${step.argv.join(' ')}`);
          await this.deps.runner.run(step.argv);
        }
        if (cfg.template === 'busybox') {
          ctx.log(`lxc-create ${name} from LXC's busybox template`);
          await this.deps.lxc.create(
            name,
            conf,
            { kind: 'lxc', name: 'busybox' },
            rootfs.path,
            lxcOverrides(cfg, facts),
          );
          created = true;
        } else {
          ctx.log(`lxc-create ${name}, then unpacking ${cfg.template}`);
          await this.deps.lxc.create(
            name,
            conf,
            { kind: 'none' },
            rootfs.path,
            lxcOverrides(cfg, facts),
          );
          created = true;
          const tar = [
            'tar',
            '-xpf',
            path.join(facts.templateDir, cfg.template),
            '-C',
            rootfs.path,
            '--numeric-owner',
          ];
          // unprivileged: unpack inside the container's user namespace so ownership is shifted
          await this.deps.runner.run(
            cfg.unprivileged
              ? ['lxc-usernsexec', '-m', `b:0:${IDMAP.hostStart}:${IDMAP.count}`, '--', ...tar]
              : tar,
            { timeoutMs: 600_000 },
          );
        }
        ctx.progress(0.8);
        // the container's root: 0, or the id it maps to when unprivileged
        const owner = cfg.unprivileged ? IDMAP.hostStart : 0;
        if (password !== undefined) {
          ctx.log('setting the root password (its crypt hash into /etc/shadow)');
          const hash = await hashPassword(this.deps.runner, password);
          const today = Math.floor(Date.now() / 86_400_000);
          updateInRootfs(rootfs.path, 'etc/shadow', (old) => shadowWithRootHash(old, hash, today), {
            owner,
            mode: 0o640,
          });
        }
        if (cfg.sshKeys.length) {
          ctx.log(`adding ${cfg.sshKeys.length} SSH key(s) to /root/.ssh/authorized_keys`);
          updateInRootfs(
            rootfs.path,
            'root/.ssh/authorized_keys',
            (old) => withKeys(old, cfg.sshKeys),
            {
              owner,
              mode: 0o600,
              dirMode: 0o700,
            },
          );
        }
        if (cfg.template !== 'busybox') {
          const did = writeCtNetwork(rootfs.path, cfg.nics, hostResolvConf(), owner);
          if (did.length) ctx.log(`network inside the container: ${did.join(', ')}`);
        }
        ctx.progress(0.9);
        this.deps.store.put({ kind: 'ct', config: cfg });
      } catch (err) {
        this.deps.store.release(id);
        if (created) await this.deps.lxc.destroy(name).catch(() => {});
        for (const s of plan.remove) await this.deps.runner.run(s.argv, { reject: false });
        throw err;
      }
    });
    return { id, task };
  }

  action(id: number, action: CtAction, user: string, opts: { timeout?: number } = {}): TaskInfo {
    this.config(id);
    this.deps.store.unlocked(id, `container ${id}`);
    const name = ctName(id);
    return this.deps.tasks.start(`vz${action}`, `ct/${id}`, user, async (ctx) => {
      if (action === 'start') await this.deps.lxc.start(name);
      else if (action === 'stop') await this.deps.lxc.kill(name);
      else {
        const t = opts.timeout ?? 60;
        ctx.log(`clean shutdown, killed after ${t} s`);
        await this.deps.lxc.shutdown(name, t);
      }
    });
  }

  /** the console of a running container (tty 0) */
  async console(id: number): Promise<TerminalStream> {
    this.config(id);
    const name = ctName(id);
    if (this.deps.lxc.state(name) !== 'RUNNING')
      throw conflict('state', `container ${id} is not running: start it first`);
    return this.deps.lxc.console(name, this.deps.log);
  }

  async exec(id: number, command: readonly string[]): Promise<CommandResult> {
    this.config(id);
    this.deps.store.unlocked(id, `container ${id}`);
    const name = ctName(id);
    if (this.deps.lxc.state(name) !== 'RUNNING')
      throw conflict('state', `container ${id} is not running`);
    return this.deps.lxc.exec(name, command);
  }

  delete(id: number, confirm: string | undefined, user: string): TaskInfo {
    const cfg = this.config(id);
    this.deps.store.unlocked(id, `container ${id}`);
    if (confirm !== String(id))
      throw badRequest({
        path: 'confirm',
        message: `must be the container id (${id}) to delete it and its root file system`,
      });
    const name = ctName(id);
    const state = this.deps.lxc.state(name);
    if (state && state !== 'STOPPED')
      throw conflict('state', `container ${id} is ${state.toLowerCase()}: stop it first`);
    const plan = ctVolumePlan(cfg, this.deps.facts().storages);
    return destroyTask(
      this.deps,
      {
        kind: 'ct',
        id,
        label: `container ${id}`,
        type: 'vzdestroy',
        unregister: state ? () => this.deps.lxc.destroy(name) : null,
        remove: plan.remove,
      },
      user,
    );
  }
}

/** the node's resolver configuration ('' when unreadable: the container then keeps its own) */
function hostResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}
