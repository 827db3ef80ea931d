// Live migration, the pure part: the `virsh migrate` command line, what `virsh domjobinfo` says
// (progress lines for the task), the local disks a VM takes with it, and whether a target may
// receive it. Unit-tested in test/unit/manager/migrate.test.ts.
import type { Storage, VmConfig } from '../../../contracts/manager/guest.ts';
import type { z } from 'zod';
import type { MigrateVolumeSchema } from '../../../contracts/manager/migrate.ts';
import { vmDiskVolume } from '../config/volumes.ts';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** what the destination is asked to prepare: the VM's volumes, at the paths they have here */
export type MigrateVolume = z.infer<typeof MigrateVolumeSchema>;

export function migrateVolumes(
  cfg: Pick<VmConfig, 'id' | 'disks'>,
  storages: readonly Storage[],
): MigrateVolume[] {
  return cfg.disks.map((_, n) => {
    const v = vmDiskVolume(cfg, n, storages);
    return {
      name: v.name,
      storage: v.storage,
      path: v.path,
      format: v.format,
      kind: v.kind,
      size: v.sizeGiB * GiB,
    };
  });
}

/** the disks in the API's shape: `virtio0` (the domain XML puts every disk on virtio), `local:vm-100-disk-0` */
export function localDisks(
  cfg: Pick<VmConfig, 'id' | 'disks'>,
  storages: readonly Storage[],
): { disk: string; volume: string; size: number }[] {
  return migrateVolumes(cfg, storages).map((v, n) => ({
    disk: `virtio${n}`,
    volume: `${v.storage}:${v.name}`,
    size: v.size,
  }));
}

/**
 * Why this node cannot take these volumes (undefined: it can): each must land at the same path
 * (libvirt's NBD mirror opens the destination disk at the source's path) on a storage of the
 * same id with room for its full size (thin volumes may grow to it).
 */
export function prepareProblem(
  vols: readonly MigrateVolume[],
  cfg: Pick<VmConfig, 'id' | 'disks'>,
  storages: readonly Storage[],
  avail: ReadonlyMap<string, number>,
): string | undefined {
  const need = new Map<string, number>();
  for (const v of vols) {
    if (!storages.some((s) => s.id === v.storage))
      return `has no storage '${v.storage}' (has: ${storages.map((s) => s.id).join(', ') || 'none'})`;
    need.set(v.storage, (need.get(v.storage) ?? 0) + v.size);
  }
  const here = migrateVolumes(cfg, storages);
  for (const [i, v] of vols.entries()) {
    const mine = here[i];
    if (!mine || mine.path !== v.path)
      return `would put ${v.name} at ${mine?.path ?? '?'}, not ${v.path}: storage '${v.storage}' must have the same path on both nodes`;
  }
  for (const [st, bytes] of need) {
    const free = avail.get(st) ?? 0;
    if (free < bytes)
      return `storage '${st}' has ${(free / MiB).toFixed(0)} MiB free, ${(bytes / MiB).toFixed(0)} MiB needed`;
  }
  return undefined;
}

/**
 * `virsh migrate` for a running VM: peer-to-peer (the source libvirtd drives the whole migration,
 * so it completes even if this manager or virsh dies), the definition moves with it
 * (--persistent --undefinesource), local disks mirrored over NBD (--copy-storage-all) to the
 * volumes the destination pre-created. Convergence: --auto-converge. A guest that dirties memory
 * faster than the link copies it is throttled (its vCPUs get less time, step by step) until the
 * rest fits in QEMU's downtime limit (300 ms by default); raising the downtime limit instead would
 * let the migration end by pausing the guest for as long as it takes, which is exactly the
 * interruption live migration is for avoiding (and the budget's downtime < 500 ms).
 */
export function migrateArgv(o: {
  sourceUri: string;
  domain: string;
  destUri: string;
  copyStorage: boolean;
  tls: boolean;
}): string[] {
  return [
    'virsh',
    '-q',
    '-c',
    o.sourceUri,
    'migrate',
    '--live',
    '--p2p',
    '--persistent',
    '--undefinesource',
    '--auto-converge',
    ...(o.copyStorage ? ['--copy-storage-all'] : []),
    ...(o.tls ? ['--tls'] : []),
    '--verbose',
    o.domain,
    o.destUri,
  ];
}

export interface JobInfo {
  type: string;
  elapsedMs?: number;
  /** bytes: memory + disks */
  processed?: number;
  remaining?: number;
  total?: number;
  /** bytes/s */
  dirtyRate?: number;
  iteration?: number;
  downtimeMs?: number;
}

const UNITS: Record<string, number> = {
  B: 1,
  bytes: 1,
  KiB: 1024,
  MiB: MiB,
  GiB: GiB,
  TiB: GiB * 1024,
};

/** `virsh domjobinfo [--completed]` text -> the fields the task shows */
export function parseJobInfo(out: string): JobInfo {
  const kv = new Map<string, { n: number; unit: string; raw: string }>();
  for (const line of out.split('\n')) {
    const m = /^([A-Za-z][A-Za-z ]*?):\s+(\S+)\s*(\S*)\s*$/.exec(line.trim());
    if (m) kv.set(m[1] as string, { n: Number(m[2]), unit: m[3] ?? '', raw: m[2] as string });
  }
  const bytes = (k: string) => {
    const v = kv.get(k);
    if (!v || !Number.isFinite(v.n)) return undefined;
    return Math.round(v.n * (UNITS[v.unit] ?? 1));
  };
  const num = (k: string) => {
    const v = kv.get(k);
    return v && Number.isFinite(v.n) ? v.n : undefined;
  };
  const page = num('Page size') ?? 4096;
  const dirty = num('Dirty rate');
  const info: JobInfo = { type: kv.get('Job type')?.raw ?? 'None' };
  const set = <K extends keyof JobInfo>(k: K, v: JobInfo[K] | undefined) => {
    if (v !== undefined) info[k] = v;
  };
  set('elapsedMs', num('Time elapsed'));
  set('processed', bytes('Data processed'));
  set('remaining', bytes('Data remaining'));
  set('total', bytes('Data total'));
  set('dirtyRate', dirty === undefined ? undefined : dirty * page);
  set('iteration', num('Iteration'));
  set('downtimeMs', num('Total downtime'));
  return info;
}

const mib = (b: number) => `${Math.round(b / MiB)} MiB`;

/** `migration: 312 MiB of 512 MiB transferred, 180 MiB remaining, dirty 2.1 MiB/s, iteration 3` */
export function progressLine(j: JobInfo): string | undefined {
  if (j.processed === undefined || j.total === undefined) return undefined;
  const parts = [`migration: ${mib(j.processed)} of ${mib(j.total)} transferred`];
  if (j.remaining !== undefined) parts.push(`${mib(j.remaining)} remaining`);
  if (j.dirtyRate !== undefined) parts.push(`dirty ${(j.dirtyRate / MiB).toFixed(1)} MiB/s`);
  if (j.iteration !== undefined) parts.push(`iteration ${j.iteration}`);
  return parts.join(', ');
}

/** 0..1; a migration with a disk and dirty memory may re-send: never above 0.99 until done */
export function progressFraction(j: JobInfo): number {
  if (!j.total || j.remaining === undefined) return 0;
  return Math.max(0, Math.min(0.99, 1 - j.remaining / j.total));
}

/** `migration finished: 6.3 s, downtime 210 ms` */
export function finishedLine(seconds: number, downtimeMs: number | undefined): string {
  return `migration finished: ${seconds.toFixed(1)} s, downtime ${downtimeMs === undefined ? 'unknown' : `${downtimeMs} ms`}`;
}
