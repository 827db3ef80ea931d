// Volume plans: what must exist before a guest is defined, as argv arrays for the command runner
// (never shell strings), plus the paths the domain XML / LXC config point at. Pure.
import type { CtConfig, Storage, VmConfig } from '../../../contracts/manager/guest.ts';

/** The subordinate id range an unprivileged container's root maps to (/etc/subuid root:100000:65536). */
export const IDMAP = { hostStart: 100000, count: 65536 };

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
  /** a container's ext4 volume: the host uid/gid owning its root directory (mkfs root_owner) */
  rootOwner?: number;
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
    // a container's root file system: ext4 whose root directory belongs to the container's root
    // (100000 when unprivileged), so the template unpacks into it inside the user namespace
    if (v.format === 'dir') {
      const o = v.rootOwner ?? 0;
      steps.push({
        id: `${v.name}:mkfs`,
        argv: ['mkfs.ext4', '-q', '-E', `nodiscard,root_owner=${o}:${o}`, v.path],
      });
    }
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

/**
 * The container's root file system: an ext4 thin volume named like Proxmox's (`vm-ID-disk-0`:
 * guest ids are unique across VMs and containers), or a directory (size not enforced).
 */
export function ctRootfsVolume(
  cfg: Pick<CtConfig, 'id' | 'rootfs'> & { unprivileged?: boolean },
  storages: readonly Storage[],
): Volume {
  const st = storageOf(storages, cfg.rootfs.storage);
  if (st.type === 'lvmthin') {
    const name = `vm-${cfg.id}-disk-0`;
    return {
      name,
      storage: st.id,
      path: `/dev/${st.vg}/${name}`,
      kind: 'block',
      format: 'dir',
      sizeGiB: cfg.rootfs.size,
      rootOwner: cfg.unprivileged === false ? 0 : IDMAP.hostStart,
    };
  }
  const name = `ct-${cfg.id}-rootfs`;
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
  cfg: Pick<CtConfig, 'id' | 'rootfs' | 'unprivileged'>,
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

/**
 * Where a container's thin volume is mounted on the node: while it runs (LXC's pre-start hook,
 * see ctRootfsHooks) and while the manager fills it at creation. On a node /var/lib/lxc/ct-ID/rootfs
 * (Proxmox's place too): the hook runs under LXC's lxc-start AppArmor profile, which allows mounts
 * only there (`mount -> /var/lib/lxc/{**,}`); an e2e run with the volume mounted under
 * /var/lib/openve/manager/lxc failed with "Failed to run lxc.hook.pre-start". Else (dev) lxcPath.
 */
export function ctRootfsMountDir(
  node: { lxcPath: string; thinMountBase?: string },
  id: number,
): string {
  return `${node.thinMountBase ?? node.lxcPath}/ct-${id}/rootfs`;
}

export const mountArgv = (dev: string, dir: string): string[] => [
  'mount',
  '-t',
  'ext4',
  '-o',
  'noatime',
  '--',
  dev,
  dir,
];
export const umountArgv = (dir: string): string[] => ['umount', '--', dir];

/** a word that needs no quoting in sh (the hook lines are run by LXC through `sh -c`) */
function plainWord(w: string): string {
  if (!/^[A-Za-z0-9/._+:@-]+$/.test(w)) throw new Error(`not a plain path for an LXC hook: ${w}`);
  return w;
}

/**
 * LXC hook lines for a container whose root file system is a thin volume. LXC cannot mount a block
 * device as the rootfs of an unprivileged container: it mounts the rootfs inside the container's
 * new user namespace, where ext4 on a block device is refused (lxc/lxc#221, #537: "use a hook").
 * So, like Proxmox's lxc-pve-prestart-hook, the volume is mounted in the node's namespaces by a
 * pre-start hook (activating the LV first when a reboot left it inactive) and `lxc.rootfs.path`
 * is that directory; the post-stop hook unmounts it, also when the container stopped by itself.
 * LXC runs a hook as `sh -c 'exec HOOK NAME lxc pre-start'`: the trailing words are ignored.
 */
export function ctRootfsHooks(v: Volume, st: Storage, dir: string): string[] {
  if (st.type !== 'lvmthin' || v.kind !== 'block') return [];
  const lv = plainWord(`${st.vg}/${v.name}`);
  const dev = plainWord(v.path);
  const d = plainWord(dir);
  return [
    `lxc.hook.pre-start = /bin/sh -c '[ -b "$1" ] || lvchange -ay -K "$0"; mountpoint -q "$2" || mount -t ext4 -o noatime -- "$1" "$2"' ${lv} ${dev} ${d}`,
    `lxc.hook.post-stop = /bin/sh -c 'if mountpoint -q "$0"; then umount -- "$0"; fi' ${d}`,
  ];
}
