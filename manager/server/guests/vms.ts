// The VM controller: VM requests -> volume plan + domain XML -> libvirt, each long action a task.
import { randomBytes, randomUUID } from 'node:crypto';
import type { CommandRunner } from '../../../lib/exec/index.ts';
import type { NodeFacts, VmConfig } from '../../../contracts/manager/guest.ts';
import { parseVmConfig, vmMaxMemory, vmMaxVcpus } from '../../../contracts/manager/guest.ts';
import type { Issue } from '../../../lib/errors.ts';
import { domainName, domainXml } from '../config/domainXml.ts';
import { vmVolumePlan } from '../config/volumes.ts';
import type { Libvirt } from '../engines/libvirt.ts';
import type { EventHub } from '../events.ts';
import type { TaskContext, TaskInfo, TaskManager } from '../tasks.ts';
import { ApiError, badRequest, conflict, notFound } from '../api/errors.ts';
import type { GuestStore } from './store.ts';
import { destroyTask } from './destroy.ts';
import { openPty, vncWebsocketPort, type TerminalStream } from '../consoles.ts';

export type VmAction = 'start' | 'stop' | 'shutdown' | 'reboot';

export interface VmView {
  id: number;
  kind: 'vm';
  name: string;
  state: string;
  vcpus: number;
  memory: number;
  accel: 'kvm' | 'qemu';
  disks: number;
}

export function randomMac(): string {
  const b = randomBytes(3);
  return ['52', '54', '00', ...[...b].map((x) => x.toString(16).padStart(2, '0'))].join(':');
}

/** fields a running VM takes without a restart */
export const LIVE_FIELDS = ['name', 'vcpus', 'memory', 'onboot'] as const;

/** Why `patch` cannot be applied to the running VM `cur` (pure; empty: it can, live). */
export function liveChangeIssues(cur: VmConfig, patch: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  const live: readonly string[] = LIVE_FIELDS;
  const was = cur as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch))
    if (!live.includes(k) && JSON.stringify(was[k]) !== JSON.stringify(v))
      issues.push({
        path: k,
        message: `VM ${cur.id} is running: shut it down to change ${k} (live: ${LIVE_FIELDS.join(', ')})`,
      });
  const { vcpus, memory } = patch;
  if (typeof vcpus === 'number' && vcpus > vmMaxVcpus(cur))
    issues.push({
      path: 'vcpus',
      message: `VM ${cur.id} runs with at most ${vmMaxVcpus(cur)} vCPUs (maxVcpus): more needs a restart (shut it down, then change vcpus and maxVcpus)`,
    });
  if (typeof memory === 'number' && memory > vmMaxMemory(cur))
    issues.push({
      path: 'memory',
      message: `VM ${cur.id} runs with at most ${vmMaxMemory(cur)} MiB (maxMemory): more needs a restart (shut it down, then change memory and maxMemory)`,
    });
  return issues;
}

export class VmController {
  constructor(
    private readonly deps: {
      store: GuestStore;
      libvirt: Libvirt;
      tasks: TaskManager;
      hub: EventHub;
      runner: CommandRunner;
      facts: () => NodeFacts;
    },
  ) {}

  view(cfg: VmConfig): VmView {
    return {
      id: cfg.id,
      kind: 'vm',
      name: cfg.name,
      state: this.deps.libvirt.state(domainName(cfg.id)) ?? 'missing',
      vcpus: cfg.vcpus,
      memory: cfg.memory,
      accel: cfg.accel ?? this.deps.facts().accel,
      disks: cfg.disks.length,
    };
  }

  /** changes whenever list() would answer differently */
  listVersion(): string {
    return `${this.deps.store.version}.${this.deps.libvirt.version}`;
  }

  list(): VmView[] {
    return this.deps.store.list('vm').map((r) => this.view(r.config as VmConfig));
  }

  config(id: number): VmConfig {
    const r = this.deps.store.get(id);
    if (!r || r.kind !== 'vm') throw notFound('id', `no VM ${id} on this node`);
    return r.config;
  }

  /** a 409 while a task (a migration) holds the VM */
  private unlocked(id: number): void {
    this.deps.store.unlocked(id, `VM ${id}`);
  }

  create(input: unknown, user: string): { id: number; task: TaskInfo } {
    const facts = this.deps.facts();
    const parsed = parseVmConfig(input, facts);
    if (!parsed.ok) throw badRequest(parsed.issues);
    const id = this.deps.store.reserve(parsed.value.id);
    const cfg: VmConfig = {
      ...parsed.value,
      id,
      uuid: parsed.value.uuid ?? randomUUID(),
      accel: parsed.value.accel ?? facts.accel,
      nics: parsed.value.nics.map((n) => ({ ...n, mac: n.mac ?? randomMac() })),
    };
    const plan = vmVolumePlan(cfg, facts.storages);
    const task = this.deps.tasks.start('vmcreate', `vm/${id}`, user, async (ctx) => {
      const done: string[] = [];
      try {
        const steps = plan.create.length + 1;
        for (const [i, step] of plan.create.entries()) {
          ctx.log(`$ ${step.argv.join(' ')}`);
          await this.deps.runner.run(step.argv);
          done.push(step.id);
          ctx.progress((i + 1) / steps);
        }
        ctx.log(
          `defining domain ${domainName(id)} (${cfg.accel === 'kvm' ? 'KVM' : 'QEMU TCG, no KVM'})`,
        );
        await this.deps.libvirt.define(domainXml(cfg, facts));
        this.deps.store.put({ kind: 'vm', config: cfg });
      } catch (err) {
        this.deps.store.release(id);
        await this.undoVolumes(
          plan.remove.filter((s) => done.some((d) => d.split(':')[0] === s.id.split(':')[0])),
          ctx,
        );
        throw err;
      }
    });
    return { id, task };
  }

  private async undoVolumes(
    steps: { id: string; argv: string[] }[],
    ctx: TaskContext,
  ): Promise<void> {
    for (const s of steps) {
      ctx.log(`undo: $ ${s.argv.join(' ')}`);
      await this.deps.runner.run(s.argv, { reject: false });
    }
  }

  action(id: number, action: VmAction, user: string, opts: { timeout?: number } = {}): TaskInfo {
    const cfg = this.config(id);
    this.unlocked(id);
    const dom = domainName(id);
    const lv = this.deps.libvirt;
    return this.deps.tasks.start(`vm${action}`, `vm/${id}`, user, async (ctx) => {
      switch (action) {
        case 'start':
          await lv.start(dom);
          return;
        case 'stop':
          await lv.destroy(dom);
          return;
        case 'reboot':
          await lv.reboot(dom);
          return;
        case 'shutdown': {
          const timeoutS = opts.timeout ?? 60;
          await lv.shutdown(dom);
          ctx.log(`ACPI shutdown sent to ${cfg.name}; waiting up to ${timeoutS} s`);
          const ev = await this.deps.hub.waitFor(
            (e) => e.type === 'guest' && e.kind === 'vm' && e.id === id && e.state === 'shut off',
            timeoutS * 1000,
          );
          if (!ev && lv.state(dom) !== 'shut off') {
            ctx.log(`no shutdown after ${timeoutS} s: stopping it`);
            await lv.destroy(dom);
          }
          return;
        }
      }
    });
  }

  /** the serial console of a running VM as a terminal stream */
  async serial(id: number): Promise<TerminalStream> {
    this.config(id);
    const dom = domainName(id);
    const state = this.deps.libvirt.state(dom);
    if (state !== 'running')
      throw conflict('state', `VM ${id} is ${state ?? 'missing'}: start it first`);
    return openPty(await this.deps.libvirt.serialPty(dom));
  }

  /** ws:// URL of a running VM's VNC websocket (libvirt's, on loopback) */
  async vncUpstream(id: number): Promise<string> {
    this.config(id);
    const dom = domainName(id);
    const state = this.deps.libvirt.state(dom);
    if (state !== 'running')
      throw conflict('state', `VM ${id} is ${state ?? 'missing'}: start it first`);
    const port = vncWebsocketPort(await this.deps.libvirt.liveXml(dom));
    if (port === null) throw conflict('vnc', `VM ${id} has no VNC websocket`);
    return `ws://127.0.0.1:${port}`;
  }

  /**
   * Config change. A stopped VM: the merged config is validated as a whole and the domain
   * redefined. A running VM: only `vcpus`, `memory` (live, within `maxVcpus`/`maxMemory`, the
   * maximum it was started with), `name` and `onboot`; anything else, or more than the maximum,
   * is a 409 naming the field (no pending changes: a restart-needing change is made stopped).
   */
  update(id: number, patch: unknown, user: string): TaskInfo {
    const cfg = this.config(id);
    this.unlocked(id);
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
      throw badRequest({ path: '(body)', message: 'must be an object' });
    const allowed = [
      'name',
      'vcpus',
      'maxVcpus',
      'memory',
      'maxMemory',
      'firmware',
      'boot',
      'onboot',
      'iso',
    ];
    const unknown = Object.keys(patch).filter((k) => !allowed.includes(k));
    if (unknown.length)
      throw badRequest(
        unknown.map((k) => ({
          path: k,
          message: `cannot be changed here (can: ${allowed.join(', ')})`,
        })),
      );
    const dom = domainName(id);
    const state = this.deps.libvirt.state(dom);
    const running = state !== 'shut off';
    if (running && state !== 'running')
      throw conflict('state', `VM ${id} is ${state ?? 'missing'}: start or shut it down first`);
    if (running) {
      const issues = liveChangeIssues(cfg, patch as Record<string, unknown>);
      if (issues.length) throw new ApiError(409, issues);
    }
    const facts = this.deps.facts();
    // null removes an optional setting ({"iso": null} detaches the ISO)
    const merged: Record<string, unknown> = { ...cfg, ...patch };
    for (const [k, v] of Object.entries(patch)) if (v === null) delete merged[k];
    const parsed = parseVmConfig(merged, facts);
    if (!parsed.ok) throw badRequest(parsed.issues);
    const next: VmConfig = { ...parsed.value, id };
    if (!running)
      return this.deps.tasks.start('vmconfig', `vm/${id}`, user, async (ctx) => {
        ctx.log(`redefining ${dom}`);
        await this.deps.libvirt.define(domainXml(next, facts));
        this.deps.store.put({ kind: 'vm', config: next });
      });
    return this.deps.tasks.start('vmconfig', `vm/${id}`, user, async (ctx) => {
      if (next.vcpus !== cfg.vcpus) {
        ctx.log(`vCPUs ${cfg.vcpus} -> ${next.vcpus} (live)`);
        await this.deps.libvirt.setVcpus(dom, next.vcpus);
      }
      if (next.memory !== cfg.memory) {
        ctx.log(`memory ${cfg.memory} -> ${next.memory} MiB (live, balloon)`);
        await this.deps.libvirt.setMemory(dom, next.memory);
      }
      // the persistent definition (next boot) follows; the running domain keeps its maximum
      await this.deps.libvirt.define(domainXml(next, facts));
      this.deps.store.put({ kind: 'vm', config: next });
    });
  }

  delete(id: number, confirm: string | undefined, user: string): TaskInfo {
    const cfg = this.config(id);
    this.unlocked(id);
    if (confirm !== String(id))
      throw badRequest({
        path: 'confirm',
        message: `must be the VM id (${id}) to delete it and its disks`,
      });
    const dom = domainName(id);
    const state = this.deps.libvirt.state(dom);
    if (state && state !== 'shut off')
      throw conflict('state', `VM ${id} is ${state}: stop it first`);
    const facts = this.deps.facts();
    const plan = vmVolumePlan(cfg, facts.storages);
    return destroyTask(
      this.deps,
      {
        kind: 'vm',
        id,
        label: `VM ${id}`,
        type: 'vmdestroy',
        unregister: state ? () => this.deps.libvirt.undefine(dom, cfg.firmware === 'uefi') : null,
        remove: plan.remove,
      },
      user,
    );
  }
}
