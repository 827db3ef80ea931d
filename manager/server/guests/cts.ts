// The container controller: container requests -> volume plan + LXC config -> lxc-*, each long
// action a task.
import { chmodSync, mkdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { CommandRunner, CommandResult } from '../../../lib/exec/index.ts';
import type { CtConfig, NodeFacts } from '../../../contracts/manager/guest.ts';
import { CtPasswordSchema, parseCtConfig } from '../../../contracts/manager/guest.ts';
import { zodIssues } from '../../../contracts/manager/issues.ts';
import { hashPassword } from '../../../installer/index.ts';
import { shadowWithRootHash, updateInRootfs, withKeys } from './credentials.ts';
import { writeCtNetwork } from './ctNetwork.ts';
import { runSteps, type Step } from './steps.ts';
import { ctName, IDMAP, lxcConfig, lxcOverrides } from '../config/lxcConfig.ts';
import {
  ctRootfsMountDir,
  ctRootfsVolume,
  ctVolumePlan,
  mountArgv,
  umountArgv,
} from '../config/volumes.ts';
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
    const id = this.deps.store.reserve(parsed.value.id);
    const cfg: CtConfig = {
      ...parsed.value,
      id,
      nics: parsed.value.nics.map((n) => ({ ...n, mac: n.mac ?? randomMac() })),
    };
    const plan = ctVolumePlan(cfg, facts.storages);
    const rootfs = ctRootfsVolume(cfg, facts.storages);
    const name = ctName(id);
    // a thin volume is filled through its mount point (where LXC's pre-start hook mounts it later)
    const thin = rootfs.kind === 'block';
    const rootDir = thin ? ctRootfsMountDir(facts, id) : rootfs.path;
    const task = this.deps.tasks.start('vzcreate', `ct/${id}`, user, async (ctx) => {
      const conf = path.join(this.deps.tmpDir, `${name}.conf`);
      writeFileAtomic(conf, lxcConfig(cfg, facts));
      const run = async (argv: string[]) => {
        ctx.log(`$ ${argv.join(' ')}`);
        await this.deps.runner.run(argv, { timeoutMs: 600_000 });
      };
      // the container's root: 0, or the id it maps to when unprivileged
      const owner = cfg.unprivileged ? IDMAP.hostStart : 0;
      const template: Step[] =
        cfg.template === 'busybox'
          ? [
              {
                name: 'lxc-create',
                run: async () => {
                  ctx.log(`lxc-create ${name} from LXC's busybox template`);
                  await this.deps.lxc.create(
                    name,
                    conf,
                    { kind: 'lxc', name: 'busybox' },
                    rootDir,
                    lxcOverrides(cfg, facts),
                  );
                },
                undo: () => this.deps.lxc.destroy(name),
              },
            ]
          : [
              {
                name: 'lxc-create',
                run: async () => {
                  ctx.log(`lxc-create ${name}, then unpacking ${cfg.template}`);
                  await this.deps.lxc.create(
                    name,
                    conf,
                    { kind: 'none' },
                    rootDir,
                    lxcOverrides(cfg, facts),
                  );
                },
                undo: () => this.deps.lxc.destroy(name),
              },
              {
                name: 'unpack',
                run: async () => {
                  const tar = [
                    'tar',
                    '-xpf',
                    path.join(facts.templateDir, cfg.template),
                    '-C',
                    rootDir,
                    '--numeric-owner',
                  ];
                  // unprivileged: unpack inside the container's user namespace so ownership is shifted
                  await this.deps.runner.run(
                    cfg.unprivileged
                      ? [
                          'lxc-usernsexec',
                          '-m',
                          `b:0:${IDMAP.hostStart}:${IDMAP.count}`,
                          '--',
                          ...tar,
                        ]
                      : tar,
                    { timeoutMs: 600_000 },
                  );
                },
              },
            ];
      // One list for both kinds of root file system; a thin volume adds its mount point and is
      // mounted there while it is filled (where LXC's pre-start hook mounts it later). A failure
      // undoes in reverse: unmount, unregister, remove the volume; a mount that will not go away
      // keeps what is under it (lxc-destroy and rmdir would reach into the volume).
      const steps: Step[] = [
        {
          name: 'volume',
          run: async () => {
            for (const step of plan.create) await run(step.argv);
          },
          undo: async () => {
            for (const s of plan.remove) {
              ctx.log(`undo: $ ${s.argv.join(' ')}`);
              await this.deps.runner.run(s.argv, { reject: false });
            }
          },
          undoAfterFailure: true,
        },
        ...(thin
          ? [
              {
                name: 'mount point',
                run: async () => {
                  // an unprivileged container's root must traverse the base (x, no listing)
                  const base = path.dirname(path.dirname(rootDir));
                  mkdirSync(base, { recursive: true, mode: 0o711 });
                  chmodSync(base, statSync(base).mode | 0o011);
                  mkdirSync(rootDir, { recursive: true, mode: 0o755 });
                },
                undo: async () => removeEmptyDirs([rootDir, path.dirname(rootDir)]),
                // made with the volume's undo in mind: nothing of it is left when it fails
                undoAfterFailure: true,
              },
              {
                name: 'mount',
                run: () => run(mountArgv(rootfs.path, rootDir)),
                mount: {
                  unmount: async () => {
                    const u = await this.deps.runner.run(umountArgv(rootDir), { reject: false });
                    return u.exitCode === 0
                      ? null
                      : `could not unmount ${rootDir}: ${u.stderr.trim()}`;
                  },
                },
              },
            ]
          : []),
        ...template,
        {
          name: 'credentials and network',
          run: async () => {
            ctx.progress(0.8);
            if (password !== undefined) {
              ctx.log('setting the root password (its crypt hash into /etc/shadow)');
              const hash = await hashPassword(this.deps.runner, password);
              const today = Math.floor(Date.now() / 86_400_000);
              updateInRootfs(rootDir, 'etc/shadow', (old) => shadowWithRootHash(old, hash, today), {
                owner,
                mode: 0o640,
              });
            }
            if (cfg.sshKeys.length) {
              ctx.log(`adding ${cfg.sshKeys.length} SSH key(s) to /root/.ssh/authorized_keys`);
              updateInRootfs(
                rootDir,
                'root/.ssh/authorized_keys',
                (old) => withKeys(old, cfg.sshKeys),
                { owner, mode: 0o600, dirMode: 0o700 },
              );
            }
            if (cfg.template !== 'busybox') {
              const did = writeCtNetwork(rootDir, cfg.nics, hostResolvConf(), owner);
              if (did.length) ctx.log(`network inside the container: ${did.join(', ')}`);
            }
            ctx.progress(0.9);
          },
        },
        ...(thin ? [{ name: 'unmount', run: () => run(umountArgv(rootDir)), ends: 'mount' }] : []),
        { name: 'record', run: async () => this.deps.store.put({ kind: 'ct', config: cfg }) },
      ];
      await runSteps(steps, { log: ctx.log, beforeUndo: () => this.deps.store.release(id) });
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
    const facts = this.deps.facts();
    const plan = ctVolumePlan(cfg, facts.storages);
    const thin = plan.volumes[0]?.kind === 'block';
    const dir = ctRootfsMountDir(facts, id);
    return destroyTask(
      this.deps,
      {
        kind: 'ct',
        id,
        label: `container ${id}`,
        type: 'vzdestroy',
        // a thin volume still mounted is unmounted first (lxc-destroy would empty it, lvremove
        // refuses an open volume): LXC reports STOPPED before its post-stop hook has unmounted it,
        // so that hook gets a few seconds; then (a hook that failed) the manager unmounts it
        unregister:
          state || thin
            ? async () => {
                if (thin) await unmountWhenMounted(this.deps.runner, dir);
                if (state) await this.deps.lxc.destroy(name);
                // the mount point outside LXC's directory (a node: /var/lib/lxc/ct-ID) is ours
                if (thin) removeEmptyDirs([dir, path.dirname(dir)]);
              }
            : null,
        remove: plan.remove,
      },
      user,
    );
  }
}

/** whether `dir` is a mount point now (from /proc/self/mounts: no subprocess) */
export function isMountPoint(dir: string, mounts = readMounts()): boolean {
  const want = dir.length > 1 ? dir.replace(/\/+$/, '') : dir;
  return mounts.split('\n').some((l) => l.split(' ')[1]?.replace(/\\040/g, ' ') === want);
}

function readMounts(): string {
  try {
    return readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return '';
  }
}

/** waits up to `waitMs` for `dir` to be unmounted by someone else, then unmounts it itself */
async function unmountWhenMounted(
  runner: CommandRunner,
  dir: string,
  waitMs = 5000,
): Promise<void> {
  for (const t0 = Date.now(); isMountPoint(dir) && Date.now() - t0 < waitMs;)
    await new Promise((r) => setTimeout(r, 100));
  if (!isMountPoint(dir)) return;
  const r = await runner.run(umountArgv(dir), { timeoutMs: 60_000, reject: false });
  // the hook may have unmounted it meanwhile: only a mount that stays is an error
  if (r.exitCode !== 0 && isMountPoint(dir))
    throw new Error(`could not unmount ${dir}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
}

/** rmdir each of `dirs` that is empty, in order (never anything with content) */
function removeEmptyDirs(dirs: readonly string[]): void {
  for (const d of dirs) {
    try {
      rmdirSync(d);
    } catch {
      /* not there, or not empty: kept */
    }
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
