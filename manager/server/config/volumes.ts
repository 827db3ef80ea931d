// Volume plans: what must exist before a guest is defined, as argv arrays for the command runner
// (never shell strings), plus the paths the domain XML / LXC config point at. Pure.
import type { CtConfig, Storage, VmConfig } from '../../../contracts/manager/guest.ts';

export interface VolumeStep {
  /** stable id, e.g. `vm-100-disk-0:create` */
  id: string;
  argv: string[];
}

export interface Volume {
  name: string;
  storage: string;
  /** what QEMU / LXC open */
  path: string;
  kind: 'block' | 'file' | 'directory';
  format: 'raw' | 'qcow2' | 'dir';
  sizeGiB: number;
}

export interface VolumePlan {
  volumes: Volume[];
  create: VolumeStep[];
  /** undo of `create`, in reverse order: run on failure and on delete */
  remove: VolumeStep[];
}

function storageOf(storages: readonly Storage[], id: string): Storage {
  const s = storages.find((x) => x.id === id);
  // parse*Config has already refused unknown storages: reaching this is a programming error
  if (!s) throw new Error(`unknown storage ${id}`);
  return s;
}

export function vmDiskVolume(
  cfg: Pick<VmConfig, 'id' | 'disks'>,
  n: number,
  storages: readonly Storage[],
): Volume {
  const disk = cfg.disks[n];
  if (!disk) throw new Error(`no disk ${n}`);
  const name = `vm-${cfg.id}-disk-${n}`;
  const st = storageOf(storages, disk.storage);
  if (st.type === 'lvmthin')
    return {
      name,
      storage: st.id,
      path: `/dev/${st.vg}/${name}`,
      kind: 'block',
      format: 'raw',
      sizeGiB: disk.size,
    };
  const format = disk.format ?? 'qcow2';
  return {
    name,
    storage: st.id,
    path: `${st.path}/images/${cfg.id}/${name}.${format}`,
    kind: 'file',
    format,
    sizeGiB: disk.size,
  };
}

function createSteps(v: Volume, st: Storage): VolumeStep[] {
  if (st.type === 'lvmthin') {
    const steps: VolumeStep[] = [
      {
        id: `${v.name}:create`,
        argv: [
          'lvcreate',
          '--yes',
          '--virtualsize',
          `${v.sizeGiB}G`,
          '--thin',
          `${st.vg}/${st.pool}`,
          '--name',
          v.name,
        ],
      },
    ];
    if (v.format === 'dir')
      steps.push({ id: `${v.name}:mkfs`, argv: ['mkfs.ext4', '-q', '-E', 'nodiscard', v.path] });
    return steps;
  }
  if (v.kind === 'directory')
    return [{ id: `${v.name}:mkdir`, argv: ['mkdir', '-p', '--', v.path] }];
  const dir = v.path.slice(0, v.path.lastIndexOf('/'));
  return [
    { id: `${v.name}:mkdir`, argv: ['mkdir', '-p', '--', dir] },
    {
      id: `${v.name}:create`,
      argv: ['qemu-img', 'create', '-q', '-f', v.format, '--', v.path, `${v.sizeGiB}G`],
    },
  ];
}

function removeSteps(v: Volume, st: Storage): VolumeStep[] {
  if (st.type === 'lvmthin')
    return [{ id: `${v.name}:remove`, argv: ['lvremove', '--yes', `${st.vg}/${v.name}`] }];
  return [
    {
      id: `${v.name}:remove`,
      argv:
        v.kind === 'directory'
          ? ['rm', '-rf', '--one-file-system', '--', v.path]
          : ['rm', '-f', '--', v.path],
    },
  ];
}

export function vmVolumePlan(
  cfg: Pick<VmConfig, 'id' | 'disks'>,
  storages: readonly Storage[],
): VolumePlan {
  const volumes = cfg.disks.map((_, n) => vmDiskVolume(cfg, n, storages));
  return plan(volumes, storages);
}

/** The container's root file system: an ext4 thin volume, or a directory (size not enforced). */
export function ctRootfsVolume(
  cfg: Pick<CtConfig, 'id' | 'rootfs'>,
  storages: readonly Storage[],
): Volume {
  const st = storageOf(storages, cfg.rootfs.storage);
  const name = `ct-${cfg.id}-rootfs`;
  if (st.type === 'lvmthin')
    return {
      name,
      storage: st.id,
      path: `/dev/${st.vg}/${name}`,
      kind: 'block',
      format: 'dir',
      sizeGiB: cfg.rootfs.size,
    };
  return {
    name,
    storage: st.id,
    path: `${st.path}/rootfs/${cfg.id}`,
    kind: 'directory',
    format: 'dir',
    sizeGiB: cfg.rootfs.size,
  };
}

export function ctVolumePlan(
  cfg: Pick<CtConfig, 'id' | 'rootfs'>,
  storages: readonly Storage[],
): VolumePlan {
  return plan([ctRootfsVolume(cfg, storages)], storages);
}

function plan(volumes: Volume[], storages: readonly Storage[]): VolumePlan {
  return {
    volumes,
    // two images in one directory need one mkdir
    create: volumes
      .flatMap((v) => createSteps(v, storageOf(storages, v.storage)))
      .filter((s, i, all) => all.findIndex((o) => o.argv.join('\0') === s.argv.join('\0')) === i),
    remove: volumes.flatMap((v) => removeSteps(v, storageOf(storages, v.storage))).reverse(),
  };
}
