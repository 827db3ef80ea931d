// Which disks get wiped: by `disk-list` or by udev `filter`, with wrong-disk protection (docs/design.md §3).
//
// Rules (Proxmox's auto-installer is the reference; where it silently picks, we refuse):
// - Never a target: the boot medium, loop, ram, rom, md/dm, read-only or empty devices
//   (hardware/describe.ts isInstallTarget). A filter skips them; naming one in disk-list is an error.
// - ext4/xfs (LVM) use exactly one disk: a disk-list of more than one, or a filter matching more
//   than one, is an error (Proxmox takes the first match and says nothing).
// - btrfs uses every disk selected, as Proxmox does: all disks the filter matches, or the whole
//   disk-list; raid0 needs >= 1, raid1 >= 2, raid10 >= 4 (Proxmox's minimums).
// - Every selection error lists all disks of the machine with name, size, model and serial.
// Order: disk-list order as written (the first disk carries the ESP mounted at /boot/efi);
// filter matches in natural name order (sda, sdb, ..., sdz, sdaa; nvme0n1, nvme1n1, nvme10n1).
import type { DiskAnswers } from '../../contracts/answers/types.ts';
import type { DiskInfo, HardwareProfile } from '../../contracts/hardware/types.ts';
import type { Issue, Result } from '../../lib/errors.ts';
import { describeDisk, isInstallTarget } from '../hardware/describe.ts';
import { describeFilter, matchesFilter } from './match.ts';

export { BTRFS_MIN_DISKS as RAID_MIN_DISKS } from '../../contracts/answers/raid.ts';
import { BTRFS_MIN_DISKS as RAID_MIN_DISKS, btrfsNeeds } from '../../contracts/answers/raid.ts';

export const naturalCompare = (a: string, b: string): number =>
  a.localeCompare(b, 'en', { numeric: true });

/** Every disk of the machine, one per line, with why it can't be a target where that applies. */
export function diskListing(hardware: HardwareProfile): string {
  const disks = [...hardware.disks].sort((a, b) => naturalCompare(a.name, b.name));
  if (disks.length === 0) return 'this machine has no disks at all';
  return (
    'disks on this machine:\n' +
    disks
      .map((d) => {
        const why = isInstallTarget(d);
        return `  ${describeDisk(d)}${why ? ` [not a target: ${why}]` : ''}`;
      })
      .join('\n')
  );
}

function fail(
  hardware: HardwareProfile,
  path: string,
  problem: string,
): { ok: false; issues: Issue[] } {
  return { ok: false, issues: [{ path, message: `${problem}; ${diskListing(hardware)}` }] };
}

function layoutName(disk: DiskAnswers): string {
  return disk.filesystem === 'btrfs'
    ? `btrfs ${disk.btrfs.raid ?? 'raid0'}`
    : `${disk.filesystem} (LVM)`;
}

/** 'sda' or '/dev/sda' -> the disk; null when there is no such disk. */
export function findDisk(hardware: HardwareProfile, name: string): DiskInfo | null {
  const n = name.trim();
  return hardware.disks.find((d) => d.name === n || d.path === n || `/dev/${d.name}` === n) ?? null;
}

export function selectDisks(disk: DiskAnswers, hardware: HardwareProfile): Result<DiskInfo[]> {
  const layout = layoutName(disk);
  const wanted =
    disk.filesystem === 'btrfs'
      ? { min: RAID_MIN_DISKS[disk.btrfs.raid ?? 'raid0'], max: Infinity }
      : { min: 1, max: 1 };
  let chosen: DiskInfo[];

  if (disk.selection.kind === 'list') {
    const names = disk.selection.disks;
    if (names.length === 0)
      return fail(hardware, 'disk-setup.disk-list', 'is empty: name the disk(s) to install onto');
    chosen = [];
    for (const [i, name] of names.entries()) {
      const path = `disk-setup.disk-list[${i}]`;
      const d = findDisk(hardware, name);
      if (!d) return fail(hardware, path, `no disk named '${name}'`);
      const why = isInstallTarget(d);
      if (why) return fail(hardware, path, `'${name}' can never be an install target: ${why}`);
      if (chosen.includes(d)) return fail(hardware, path, `'${name}' is listed twice`);
      chosen.push(d);
    }
    if (chosen.length > wanted.max) {
      return fail(
        hardware,
        'disk-setup.disk-list',
        `${layout} installs onto exactly one disk, but ${chosen.length} are listed (${chosen.map((d) => d.name).join(', ')}); list one, or use filesystem = "btrfs" for RAID`,
      );
    }
    if (chosen.length < wanted.min) {
      return fail(
        hardware,
        'disk-setup.disk-list',
        `${disk.filesystem === 'btrfs' ? btrfsNeeds(disk.btrfs.raid ?? 'raid0', wanted.min) : `${layout} needs at least ${wanted.min} disks`}, but ${chosen.length} listed`,
      );
    }
  } else {
    const { filter, match } = disk.selection;
    const targets = hardware.disks
      .filter((d) => isInstallTarget(d) === null)
      .sort((a, b) => naturalCompare(a.name, b.name));
    chosen = targets.filter((d) => matchesFilter(d.udev, filter, match));
    const what = `filter (${describeFilter(filter)}, filter-match = "${match}")`;
    if (chosen.length === 0) {
      const excludedHit = hardware.disks.filter(
        (d) => isInstallTarget(d) !== null && matchesFilter(d.udev, filter, match),
      );
      const note = excludedHit.length
        ? ` (it matches only ${excludedHit.map((d) => d.name).join(', ')}, which can never be a target)`
        : '';
      return fail(
        hardware,
        'disk-setup.filter',
        `${what} matches no disk that can be installed onto${note}`,
      );
    }
    if (chosen.length > wanted.max) {
      return fail(
        hardware,
        'disk-setup.filter',
        `${what} matches ${chosen.length} disks (${chosen.map((d) => d.name).join(', ')}), but ${layout} installs onto exactly one; narrow the filter (e.g. by ID_SERIAL) or use disk-list`,
      );
    }
    if (chosen.length < wanted.min) {
      return fail(
        hardware,
        'disk-setup.filter',
        `${what} matches ${chosen.length === 1 ? '1 disk' : `${chosen.length} disks`} (${chosen.map((d) => d.name).join(', ')}), but ${layout} needs at least ${wanted.min}`,
      );
    }
  }
  return { ok: true, value: chosen };
}
