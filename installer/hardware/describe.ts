// Small pure helpers for talking about hardware to people: sizes, one-line descriptions of disks
// and NICs (used in error messages that list candidates) and the wrong-disk rule (docs/design.md §3).
import type { DiskInfo, NicInfo } from '../../contracts/hardware/types.ts';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/**
 * Binary (IEC) units, because sizes in the answer file (hdsize, swapsize, ...) are GiB and the plan
 * speaks MiB: an administrator reads "465.8 GiB" and can type hdsize = 400 without converting.
 * One decimal, dropped when it is .0: 0 B, 512 B, 32 GiB, 465.8 GiB, 3.6 TiB.
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return `${n} B`;
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  // 1023.96 GiB would print as "1024 GiB": move to the next unit instead
  let rounded = Math.round(value * 10) / 10;
  if (rounded >= 1024 && unit < UNITS.length - 1) {
    rounded = Math.round((value / 1024) * 10) / 10;
    unit++;
  }
  const text = Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(1);
  return `${text} ${UNITS[unit]}`;
}

/** `sda (465.8 GiB, Samsung SSD 870 EVO 500GB, serial S6PWNJ0T412345A)`; gaps say "no model"/"no serial". */
export function describeDisk(d: DiskInfo): string {
  const model = d.model.trim() || 'no model';
  const serial = d.serial.trim() ? `serial ${d.serial.trim()}` : 'no serial';
  return `${d.name} (${formatBytes(d.sizeBytes)}, ${model}, ${serial})`;
}

/**
 * null when the disk may be offered as an installation target, otherwise why not (docs/design.md §3:
 * never the boot medium, loop, ram, rom, md/dm, read-only or empty devices; nor a disk in use).
 */
export function isInstallTarget(d: DiskInfo): string | null {
  if (d.isBootMedium) return 'boot medium (the installer is running from it)';
  switch (d.kind) {
    case 'loop':
      return 'loop device';
    case 'ram':
      return 'RAM disk';
    case 'rom':
      return 'optical drive';
    case 'md':
      return 'software RAID (md) device';
    case 'dm':
      return 'device-mapper device';
    case 'other':
      return /^fd\d/.test(d.name) ? 'floppy drive' : 'not a local disk';
    case 'disk':
      break;
  }
  if (d.mountpoints?.length) {
    const shown = d.mountpoints.slice(0, 3).join(', ') + (d.mountpoints.length > 3 ? ', ...' : '');
    return `in use (mounted at ${shown})`;
  }
  if (d.readOnly) return 'read-only';
  if (d.sizeBytes <= 0) return 'no medium (size 0)';
  return null;
}

/** The disks that may be installed onto, in profile order. */
export function installTargets(disks: readonly DiskInfo[]): DiskInfo[] {
  return disks.filter((d) => isInstallTarget(d) === null);
}

/** `eno1 (e4:54:e8:5a:12:34, e1000e, link up 1000 Mb/s)` */
export function describeNic(n: NicInfo): string {
  const link = n.link ? `link up${n.speedMbps ? ` ${n.speedMbps} Mb/s` : ''}` : 'no link';
  return `${n.name} (${n.mac}, ${n.driver || 'unknown driver'}, ${link})`;
}
