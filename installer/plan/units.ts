// Size arithmetic for the planner: every size in a plan is an integer number of MiB.
export const MIB = 1024 * 1024;
export const GIB_IN_MIB = 1024;
/** LVM's default physical extent: LV sizes are multiples of it, so the plan matches what lvcreate makes. */
export const EXTENT_MIB = 4;

export const bytesToMiB = (bytes: number): number => Math.floor(bytes / MIB);
export const gibToMiB = (gib: number): number => Math.floor(gib * GIB_IN_MIB);
export const alignDown = (mib: number, unit = EXTENT_MIB): number => Math.floor(mib / unit) * unit;
export const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

/** '2.0 GiB', '512 MiB' — for messages about the layout (disk sizes use the hardware formatter). */
export function formatMiB(mib: number): string {
  if (mib >= GIB_IN_MIB) return `${(mib / GIB_IN_MIB).toFixed(1)} GiB`;
  return `${mib} MiB`;
}

/** Kernel partition device name: 'sda' + 3 -> 'sda3'; names ending in a digit get a 'p': nvme0n1p3, loop0p3, mmcblk0p3. */
export function partitionName(disk: string, number: number): string {
  return /\d$/.test(disk) ? `${disk}p${number}` : `${disk}${number}`;
}

/** Same, for a device path: '/dev/nvme0n1' -> '/dev/nvme0n1p2'. */
export function partitionPath(devicePath: string, number: number): string {
  const slash = devicePath.lastIndexOf('/');
  return devicePath.slice(0, slash + 1) + partitionName(devicePath.slice(slash + 1), number);
}
