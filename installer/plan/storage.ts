// Storage part of the plan: partitions, LVM-thin or btrfs RAID, filesystems (with deterministic
// UUIDs), what gets mounted where during the install and the fstab entries of the new system.
//
// btrfs choices: every disk gets the same GPT (BIOS boot + ESP + btrfs partition; btrfs.hdsize
// limits each partition). Profiles: raid0 on one disk = data single / metadata dup (what
// mkfs.btrfs does for one device); raid0 on more = data raid0 / metadata raid1 (losing metadata
// loses everything, and raid1 metadata costs little); raid1 and raid10 use the level for both.
// Subvolumes: '@' mounted at /, '@vz' at /var/lib/vz (guest images and templates stay out of
// snapshots of the system). No swap on btrfs, as with Proxmox. Mount options: compress = on ->
// `compress`, zlib/lzo/zstd -> `compress=<alg>`, off -> none.
import type { Answers, BtrfsRaid } from '../../contracts/answers/types.ts';
import type { DiskInfo, HardwareProfile } from '../../contracts/hardware/types.ts';
import type { Issue, Result } from '../../lib/errors.ts';
import type { MountSpec, PartitionSpec, Step } from '../../contracts/plan/types.ts';
import { describeDisk, formatBytes } from '../hardware/describe.ts';
import { diskArea, lvmSizing, partitionLayout, type DiskArea } from './sizing.ts';
import { bytesToMiB, formatMiB } from './units.ts';
import { uuidV5, vfatVolumeId } from './uuid.ts';

export const VG_NAME = 'openve';

export interface FstabEntry {
  spec: string;
  mountpoint: string;
  fstype: string;
  options: string;
  dump: number;
  pass: number;
}

/** What the boot loader needs to find and start the new system (the rendered grub.cfg). */
export interface BootSpec {
  /** filesystem UUID of / (where /vmlinuz and /boot live) */
  rootUuid: string;
  fstype: 'ext4' | 'xfs' | 'btrfs';
  /** / is a logical volume: GRUB needs its lvm module */
  lvm: boolean;
  /** the kernel's root= value */
  rootParam: string;
  /** btrfs subvolume holding / ('@'), or null */
  subvolume: string | null;
}

export interface StoragePlan {
  layout: string;
  boot: BootSpec;
  /** partition steps, then the volume step (lvm or mkfs-btrfs), then the mkfs steps, in plan order */
  steps: Step[];
  mounts: MountSpec[];
  fstab: FstabEntry[];
  volumes: { name: string; sizeMiB: number }[];
  biosDisks: string[];
  espDevices: string[];
  warnings: string[];
}

const W = { partition: 1, volumes: 2, esp: 1, root: 3, swap: 1 } as const;

/** Seed for the filesystem UUIDs: what identifies this install (disk identities + node name). */
function identitySeed(answers: Answers, disks: DiskInfo[]): string {
  const node =
    answers.global.fqdn.source === 'from-answer'
      ? answers.global.fqdn.value
      : `from-dhcp.${answers.global.fqdn.domain ?? ''}`;
  const ids = disks.map((d) => d.wwn || d.serial || d.path).join(',');
  return `${node}|${ids}`;
}

export function planStorage(
  answers: Answers,
  hardware: HardwareProfile,
  disks: DiskInfo[],
): Result<StoragePlan> {
  const fs = answers.disk.filesystem;
  const seed = identitySeed(answers, disks);
  const warnings: string[] = [];

  // BIOS boot partitions are impossible on 4Kn disks (Proxmox: "Booting from 4kn drive in legacy BIOS mode is not supported").
  const fourK = disks.filter((d) => d.logicalSectorSize === 4096);
  if (hardware.firmware === 'bios' && fourK.length > 0) {
    return fail(
      'disk-setup',
      `${fourK.map((d) => d.name).join(', ')} uses 4096-byte sectors: booting from a 4Kn disk in legacy BIOS mode is not supported; switch the firmware to UEFI or choose another disk`,
    );
  }

  const limitGiB = fs === 'btrfs' ? answers.disk.btrfs.hdsize : answers.disk.lvm.hdsize;
  const limitField = fs === 'btrfs' ? 'disk-setup.btrfs.hdsize' : 'disk-setup.lvm.hdsize';
  const areas: DiskArea[] = [];
  for (const d of disks) {
    const a = diskArea(bytesToMiB(d.sizeBytes), limitGiB, limitField, describeDisk(d));
    if (!a.ok) return a;
    areas.push(a.value);
  }

  const role = fs === 'btrfs' ? 'btrfs' : 'lvm';
  const layouts: PartitionSpec[][] = disks.map((d, i) =>
    partitionLayout(d.path, role, areas[i]!, d.logicalSectorSize !== 4096),
  );
  const steps: Step[] = disks.map((d, i) => ({
    id: `partition:${d.name}`,
    title: `Partitioning ${d.path}`,
    weight: W.partition,
    kind: 'partition' as const,
    device: d.path,
    sizeLimitMiB: areas[i]!.limited ? areas[i]!.hdsizeMiB : null,
    partitions: layouts[i]!,
  }));
  const osParts = layouts.map((l) => l.find((p) => p.role === role)!.path);
  const espDevices = layouts.map((l) => l.find((p) => p.role === 'esp')!.path);
  const biosDisks = disks
    .filter((_, i) => layouts[i]!.some((p) => p.role === 'bios-boot'))
    .map((d) => d.path);
  const espUuids = disks.map((d) => vfatVolumeId(`${seed}|esp|${d.wwn || d.serial || d.path}`));
  const esps: Step[] = disks.map((d, i) => ({
    id: `mkfs:esp:${d.name}`,
    title: `Formatting the EFI system partition ${espDevices[i]}`,
    weight: W.esp,
    kind: 'mkfs' as const,
    device: espDevices[i]!,
    fstype: 'vfat' as const,
    label: 'EFI',
    uuid: espUuids[i]!,
  }));
  // the first disk's ESP is the one in fstab; the boot loader step keeps the others in sync
  const espEntry: FstabEntry = {
    spec: `UUID=${espUuids[0]!}`,
    mountpoint: '/boot/efi',
    fstype: 'vfat',
    options: 'umask=0077,nofail',
    dump: 0,
    pass: 1,
  };

  if (fs === 'btrfs') {
    const raid: BtrfsRaid = answers.disk.btrfs.raid ?? 'raid0';
    const dataProfile = raid === 'raid0' && disks.length === 1 ? 'single' : raid;
    const metadataProfile = raid === 'raid0' ? (disks.length === 1 ? 'dup' : 'raid1') : raid;
    const uuid = uuidV5(`${seed}|btrfs`);
    const compress = answers.disk.btrfs.compress;
    const compressOpt =
      compress === undefined || compress === 'off'
        ? []
        : [compress === 'on' ? 'compress' : `compress=${compress}`];
    const sizes = new Set(disks.map((d) => d.sizeBytes));
    if (raid !== 'raid0' && sizes.size > 1 && limitGiB === undefined) {
      warnings.push(
        `btrfs ${raid} across disks of different sizes (${disks.map((d) => `${d.name} ${formatBytes(d.sizeBytes)}`).join(', ')}): space beyond what the redundancy can mirror stays unused.`,
      );
    }
    steps.push({
      id: 'mkfs:root',
      title: `Creating btrfs ${raid} on ${osParts.join(', ')}`,
      weight: W.volumes + W.root,
      kind: 'mkfs-btrfs',
      devices: osParts,
      dataProfile,
      metadataProfile,
      label: 'openve',
      uuid,
      subvolumes: ['@', '@vz'],
    });
    steps.push(...esps);
    return {
      ok: true,
      value: {
        layout: `btrfs ${raid} on ${disks.map((d) => d.path).join(', ')}`,
        boot: {
          rootUuid: uuid,
          fstype: 'btrfs',
          lvm: false,
          rootParam: `UUID=${uuid}`,
          subvolume: '@',
        },
        steps,
        mounts: [
          {
            device: osParts[0]!,
            mountpoint: '/',
            fstype: 'btrfs',
            options: ['subvol=@', ...compressOpt],
          },
          {
            device: osParts[0]!,
            mountpoint: '/var/lib/vz',
            fstype: 'btrfs',
            options: ['subvol=@vz', ...compressOpt],
          },
        ],
        fstab: [
          {
            spec: `UUID=${uuid}`,
            mountpoint: '/',
            fstype: 'btrfs',
            options: ['defaults', 'subvol=@', ...compressOpt].join(','),
            dump: 0,
            pass: 1,
          },
          {
            spec: `UUID=${uuid}`,
            mountpoint: '/var/lib/vz',
            fstype: 'btrfs',
            options: ['defaults', 'subvol=@vz', ...compressOpt].join(','),
            dump: 0,
            pass: 0,
          },
          espEntry,
        ],
        volumes: [
          { name: '@', sizeMiB: 0 },
          { name: '@vz', sizeMiB: 0 },
        ],
        biosDisks,
        espDevices,
        warnings,
      },
    };
  }

  // LVM-thin on exactly one disk
  const disk = disks[0]!;
  const area = areas[0]!;
  const sized = lvmSizing(
    area.osPartitionMiB,
    bytesToMiB(hardware.memoryBytes),
    answers.disk.lvm,
    area.hdsizeMiB,
  );
  if (!sized.ok) return sized;
  const s = sized.value;
  warnings.push(...s.warnings);
  const volumes = [
    ...(s.swapMiB > 0 ? [{ name: 'swap', sizeMiB: s.swapMiB, type: 'linear' as const }] : []),
    { name: 'root', sizeMiB: s.rootMiB, type: 'linear' as const },
    ...(s.data
      ? [
          {
            name: 'data',
            sizeMiB: s.data.sizeMiB,
            type: 'thin-pool' as const,
            metadataMiB: s.data.metadataMiB,
          },
        ]
      : []),
  ];
  steps.push({
    id: `lvm:${VG_NAME}`,
    title: `Creating volume group ${VG_NAME} (${volumes.map((v) => `${v.name} ${formatMiB(v.sizeMiB)}`).join(', ')})`,
    weight: W.volumes,
    kind: 'lvm',
    vg: VG_NAME,
    pvs: [osParts[0]!],
    volumes,
  });
  steps.push(...esps);
  const rootUuid = uuidV5(`${seed}|root`);
  const rootDev = `/dev/${VG_NAME}/root`;
  steps.push({
    id: 'mkfs:root',
    title: `Formatting the root volume (${fs})`,
    weight: W.root,
    kind: 'mkfs',
    device: rootDev,
    fstype: fs,
    label: 'root',
    uuid: rootUuid,
  });
  const fstab: FstabEntry[] = [
    {
      spec: `UUID=${rootUuid}`,
      mountpoint: '/',
      fstype: fs,
      options: fs === 'ext4' ? 'errors=remount-ro' : 'defaults',
      dump: 0,
      pass: 1,
    },
    espEntry,
  ];
  if (s.swapMiB > 0) {
    const swapUuid = uuidV5(`${seed}|swap`);
    steps.push({
      id: 'mkfs:swap',
      title: 'Creating swap',
      weight: W.swap,
      kind: 'mkfs',
      device: `/dev/${VG_NAME}/swap`,
      fstype: 'swap',
      label: 'swap',
      uuid: swapUuid,
    });
    fstab.push({
      spec: `UUID=${swapUuid}`,
      mountpoint: 'none',
      fstype: 'swap',
      options: 'sw',
      dump: 0,
      pass: 0,
    });
  }
  return {
    ok: true,
    value: {
      layout: `LVM-thin (${fs}) on ${disk.path}`,
      // Debian's choice for a root on LVM: the device-mapper name, stable across UUID changes
      boot: {
        rootUuid,
        fstype: fs,
        lvm: true,
        rootParam: `/dev/mapper/${VG_NAME}-root`,
        subvolume: null,
      },
      steps,
      mounts: [{ device: rootDev, mountpoint: '/', fstype: fs, options: [] }],
      fstab,
      volumes: volumes.map((v) => ({ name: v.name, sizeMiB: v.sizeMiB })),
      biosDisks,
      espDevices,
      warnings,
    },
  };
}

function fail(path: string, message: string): { ok: false; issues: Issue[] } {
  return { ok: false, issues: [{ path, message }] };
}
