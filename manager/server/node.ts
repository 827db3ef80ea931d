// What this node offers, read from the machine (cheap reads only: it is consulted per request).
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeFacts, Storage } from '../../contracts/manager/guest.ts';
import type { StatePaths } from './state.ts';
import { readJson } from './state.ts';

export const LXC_TEMPLATES = '/usr/share/lxc/templates';

export function kvmWorks(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** v2 only when the unified hierarchy is all there is (a v1/v2 hybrid ignores lxc.cgroup2 limits) */
export function cgroupLayout(root = '/sys/fs/cgroup'): 'v1' | 'v2' {
  return existsSync(path.join(root, 'cgroup.controllers')) && !existsSync(path.join(root, 'memory'))
    ? 'v2'
    : 'v1';
}

export function bridges(sysNet = '/sys/class/net'): string[] {
  try {
    return readdirSync(sysNet).filter((n) => existsSync(path.join(sysNet, n, 'bridge')));
  } catch {
    return [];
  }
}

const files = (dir: string) => {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
};

export interface NodeOptions {
  dev: boolean;
  paths: StatePaths;
}

/** Storages: DIR/storages.json when present; else the node's defaults (dev: one dir storage under DIR). */
export function storages(opts: NodeOptions): Storage[] {
  const override = path.join(opts.paths.root, 'storages.json');
  if (existsSync(override)) return readJson<Storage[]>(override, []);
  if (opts.dev) return [{ id: 'local', type: 'dir', path: opts.paths.storage }];
  return [
    { id: 'local-lvm', type: 'lvmthin', vg: 'openve', pool: 'data' },
    { id: 'local', type: 'dir', path: '/var/lib/openve' },
  ];
}

export function nodeFacts(opts: NodeOptions): NodeFacts {
  const builtin = existsSync(path.join(LXC_TEMPLATES, 'lxc-busybox')) ? ['busybox'] : [];
  return {
    name: os.hostname().split('.')[0] as string,
    accel: kvmWorks() ? 'kvm' : 'qemu',
    storages: storages(opts),
    isos: files(opts.paths.iso).filter((f) => f.endsWith('.iso')),
    isoDir: opts.paths.iso,
    bridges: bridges(),
    templates: [...builtin, ...files(opts.paths.templates)],
    templateDir: opts.paths.templates,
    lxcPath: opts.paths.lxc,
    // a node: where the lxc-start AppArmor profile lets the pre-start hook mount (see volumes.ts)
    ...(opts.dev ? {} : { thinMountBase: '/var/lib/lxc' }),
    cgroup: cgroupLayout(),
    emulator: '/usr/bin/qemu-system-x86_64',
  };
}

export function nodeStatus(facts: NodeFacts) {
  const load = os.loadavg();
  return {
    node: facts.name,
    status: 'online' as const,
    accel: facts.accel,
    kvm: facts.accel === 'kvm',
    cgroup: facts.cgroup,
    cpus: os.cpus().length,
    memory: { total: os.totalmem(), free: os.freemem() },
    load: [load[0] ?? 0, load[1] ?? 0, load[2] ?? 0],
    uptime: Math.round(os.uptime()),
    kernel: readFirst('/proc/sys/kernel/osrelease'),
  };
}

function readFirst(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}
