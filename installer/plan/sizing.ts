// Partition layout and LVM sizing (docs/design.md §4), pure and table-tested (test/unit/plan/sizing.test.ts).
//
// GPT on every target disk, created in order with 1 MiB alignment:
//   1  BIOS boot   1 MiB   (EF02; left out on 4Kn disks, which cannot boot in legacy BIOS mode)
//   2  ESP         1 GiB   (EF00, vfat)
//   3  LVM PV or btrfs     the rest of the disk, or up to hdsize
// Sizing rules (all sizes integer MiB, LVs aligned down to 4 MiB extents), derived from the OS
// partition size `os` (hdsize minus the boot area), as Proxmox does:
//   swap    = RAM clamped to 4..8 GiB, and <= os/8           (lvm.swapsize overrides; 0 = no swap)
//   root    = os/4 clamped to 4..96 GiB                      (lvm.maxroot caps)
//   minfree = os/8 clamped to <= 16 GiB                      (lvm.minfree overrides)
//   data    = VG - swap - root - minfree                      (lvm.maxvz caps; 0 = no thin pool)
//   thin pool metadata = 1% of data clamped to 1..16 GiB; the pool's data LV is data - 2 x metadata
//   - 4 MiB (LVM keeps a spare metadata area of the same size, plus one extent for rounding).
//   No thin pool when data <= 4 GiB (a warning; guests then live in /var/lib/vz on root).
// Differences from Proxmox: Proxmox's root is rest/4 + 12 GiB with special cases below 48 GiB;
// docs/design.md §4's simpler os/4 rule is used, with a 4 GiB floor so small disks still get a usable root.
// Proxmox asks before installing below 8 GiB and refuses below 2 GiB; unattended, nobody can
// answer, so 8 GiB is a hard minimum here.
import type { LvmOptions } from '../../contracts/answers/types.ts';
import type { Issue, Result } from '../../lib/errors.ts';
import type { PartitionSpec, PartitionRole } from '../../contracts/plan/types.ts';
import {
  EXTENT_MIB,
  GIB_IN_MIB,
  alignDown,
  clamp,
  formatMiB,
  gibToMiB,
  partitionPath,
} from './units.ts';

export const BIOS_BOOT_MIB = 1;
export const ESP_MIB = 1024;
/** Partition 1 starts at 1 MiB (GPT header + alignment). */
export const LEADING_MIB = 1;
/** Where the OS partition starts. */
export const BOOT_AREA_MIB = LEADING_MIB + BIOS_BOOT_MIB + ESP_MIB;
/** The backup GPT at the end of the disk, rounded up to 1 MiB. */
export const TRAILING_MIB = 1;
export const MIN_HDSIZE_MIB = 8 * GIB_IN_MIB;
export const ROOT_MIN_MIB = 4 * GIB_IN_MIB;
export const ROOT_MAX_MIB = 96 * GIB_IN_MIB;
export const SWAP_MIN_MIB = 4 * GIB_IN_MIB;
export const SWAP_MAX_MIB = 8 * GIB_IN_MIB;
export const MINFREE_MAX_MIB = 16 * GIB_IN_MIB;
export const THIN_POOL_MIN_MIB = 4 * GIB_IN_MIB;
export const META_MIN_MIB = 1 * GIB_IN_MIB;
export const META_MAX_MIB = 16 * GIB_IN_MIB;
/** pvcreate's default data alignment: the first extent starts 1 MiB into the PV. */
export const PV_HEADER_MIB = 1;

export interface DiskArea {
  /** the part of the disk the install uses: the disk size, or hdsize when smaller */
  hdsizeMiB: number;
  /** the OS partition ends at hdsizeMiB (hdsize given and smaller than the disk) */
  limited: boolean;
  /** size of partition 3, the LVM PV or btrfs device (conservative: backup GPT reserved) */
  osPartitionMiB: number;
}

/**
 * How much of a disk the install uses. `limitGiB` is lvm.hdsize / btrfs.hdsize; `field` names
 * it in errors, `diskLabel` names the disk ('/dev/sda (500.1 GB)').
 */
export function diskArea(
  diskMiB: number,
  limitGiB: number | undefined,
  field: string,
  diskLabel: string,
): Result<DiskArea> {
  let hdsizeMiB = diskMiB;
  let limited = false;
  if (limitGiB !== undefined) {
    const limitMiB = gibToMiB(limitGiB);
    if (limitMiB > diskMiB) {
      return fail(
        field,
        `${limitGiB} GiB is larger than ${diskLabel}; use at most ${Math.floor((diskMiB / GIB_IN_MIB) * 10) / 10} GiB or leave it out to use the whole disk`,
      );
    }
    if (limitMiB < diskMiB) {
      hdsizeMiB = limitMiB;
      limited = true;
    }
  }
  if (hdsizeMiB < MIN_HDSIZE_MIB) {
    if (limited)
      return fail(field, `${limitGiB} GiB is too small: the install needs at least 8 GiB`);
    return fail('disk-setup', `${diskLabel} is too small: the install needs at least 8 GiB`);
  }
  return {
    ok: true,
    value: { hdsizeMiB, limited, osPartitionMiB: hdsizeMiB - BOOT_AREA_MIB - TRAILING_MIB },
  };
}

/** GPT partitions of one target disk. `biosBoot` false on 4Kn disks (numbers stay 2 and 3). */
export function partitionLayout(
  devicePath: string,
  role: Extract<PartitionRole, 'lvm' | 'btrfs'>,
  area: DiskArea,
  biosBoot: boolean,
): PartitionSpec[] {
  const parts: PartitionSpec[] = [];
  if (biosBoot)
    parts.push({
      number: 1,
      path: partitionPath(devicePath, 1),
      role: 'bios-boot',
      sizeMiB: BIOS_BOOT_MIB,
      typeCode: 'EF02',
      name: 'bios-boot',
    });
  parts.push({
    number: 2,
    path: partitionPath(devicePath, 2),
    role: 'esp',
    sizeMiB: ESP_MIB,
    typeCode: 'EF00',
    name: 'esp',
  });
  parts.push({
    number: 3,
    path: partitionPath(devicePath, 3),
    role,
    // explicit size when hdsize limits it; otherwise the rest of the disk
    sizeMiB: area.limited ? area.hdsizeMiB - BOOT_AREA_MIB : null,
    typeCode: role === 'lvm' ? '8E00' : '8300',
    name: role === 'lvm' ? 'openve-lvm' : 'openve-btrfs',
  });
  return parts;
}

export interface LvmSizes {
  vgMiB: number;
  swapMiB: number; // 0: no swap LV
  rootMiB: number;
  minfreeMiB: number;
  /** thin pool `data`: its data size and metadata size; null when there is no room or maxvz = 0 */
  data: { sizeMiB: number; metadataMiB: number } | null;
  warnings: string[];
}

export function lvmSizing(
  osPartitionMiB: number,
  ramMiB: number,
  lvm: LvmOptions,
  hdsizeMiB: number,
): Result<LvmSizes> {
  const warnings: string[] = [];
  const vgMiB = alignDown(osPartitionMiB - PV_HEADER_MIB, EXTENT_MIB);

  let swapMiB: number;
  if (lvm.swapsize !== undefined) {
    swapMiB = alignDown(gibToMiB(lvm.swapsize));
    if (swapMiB * 2 > hdsizeMiB) {
      return fail(
        'disk-setup.lvm.swapsize',
        `${lvm.swapsize} GiB is more than half of hdsize (${formatMiB(hdsizeMiB)}); use at most ${Math.floor(hdsizeMiB / 2 / GIB_IN_MIB)} GiB`,
      );
    }
  } else {
    swapMiB = alignDown(Math.min(clamp(ramMiB, SWAP_MIN_MIB, SWAP_MAX_MIB), osPartitionMiB / 8));
  }

  let rootMiB = clamp(osPartitionMiB / 4, ROOT_MIN_MIB, ROOT_MAX_MIB);
  if (lvm.maxroot !== undefined) {
    const cap = gibToMiB(lvm.maxroot);
    if (cap < ROOT_MIN_MIB)
      return fail(
        'disk-setup.lvm.maxroot',
        `${lvm.maxroot} GiB is too small: the root volume needs at least 4 GiB`,
      );
    rootMiB = Math.min(rootMiB, cap);
  }
  rootMiB = alignDown(rootMiB);

  if (swapMiB + rootMiB > vgMiB) {
    return fail(
      'disk-setup',
      `swap (${formatMiB(swapMiB)}) and root (${formatMiB(rootMiB)}) do not fit into the ${formatMiB(vgMiB)} volume group; lower lvm.swapsize or use a larger disk`,
    );
  }
  const room = vgMiB - swapMiB - rootMiB;

  let minfreeMiB: number;
  if (lvm.minfree !== undefined) {
    minfreeMiB = alignDown(gibToMiB(lvm.minfree));
    if (minfreeMiB > room) {
      return fail(
        'disk-setup.lvm.minfree',
        `${lvm.minfree} GiB does not fit: after swap and root only ${formatMiB(room)} of the volume group remain`,
      );
    }
  } else {
    minfreeMiB = alignDown(Math.min(osPartitionMiB / 8, MINFREE_MAX_MIB, room));
  }

  let dataMiB = alignDown(room - minfreeMiB);
  if (lvm.maxvz !== undefined) dataMiB = Math.min(dataMiB, alignDown(gibToMiB(lvm.maxvz)));

  let data: LvmSizes['data'] = null;
  if (dataMiB > THIN_POOL_MIN_MIB) {
    const metadataMiB = alignDown(clamp(dataMiB / 100, META_MIN_MIB, META_MAX_MIB));
    data = { sizeMiB: dataMiB - 2 * metadataMiB - EXTENT_MIB, metadataMiB };
  } else if (lvm.maxvz === undefined) {
    warnings.push(
      `Not enough space for the thin pool 'data' for guests (${formatMiB(Math.max(dataMiB, 0))} left, more than 4 GiB needed): guest images go to /var/lib/vz on the root volume.`,
    );
  } else if (lvm.maxvz !== 0) {
    warnings.push(
      `disk-setup.lvm.maxvz = ${lvm.maxvz} GiB is 4 GiB or less: no thin pool 'data' is created.`,
    );
  }
  return { ok: true, value: { vgMiB, swapMiB, rootMiB, minfreeMiB, data, warnings } };
}

function fail(path: string, message: string): { ok: false; issues: Issue[] } {
  return { ok: false, issues: [{ path, message }] };
}
