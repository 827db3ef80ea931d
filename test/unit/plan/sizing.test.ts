import { describe, expect, test } from 'vitest';
import {
  diskArea,
  lvmSizing,
  partitionLayout,
  BOOT_AREA_MIB,
} from '../../../installer/plan/sizing.ts';
import { bytesToMiB, partitionName, partitionPath } from '../../../installer/plan/units.ts';
import type { LvmOptions } from '../../../contracts/answers/types.ts';

function size(bytes: number, ramGiB: number, lvm: LvmOptions = {}) {
  const a = diskArea(bytesToMiB(bytes), lvm.hdsize, 'disk-setup.lvm.hdsize', 'sda (test)');
  if (!a.ok) return a;
  const s = lvmSizing(a.value.osPartitionMiB, ramGiB * 1024, lvm, a.value.hdsizeMiB);
  return s.ok ? { ok: true as const, area: a.value, sizes: s.value } : s;
}

// [disk, bytes, RAM GiB, os partition, VG, swap, root, minfree, thin pool data, metadata] (MiB)
// Checked by hand, e.g. 500 GB, 16 GiB RAM: os = 476940 - 1027 = 475913, VG = 475912 (PV header,
// 4 MiB extents), swap = min(clamp(16 GiB, 4, 8) GiB, os/8) = 8192, root = min(os/4, 96 GiB) = 98304,
// minfree = min(os/8, 16 GiB) = 16384, data = 475912 - 8192 - 98304 - 16384 = 353032,
// metadata = 1% = 3530 -> 3528, pool = 353032 - 2 x 3528 - 4 = 345972.
const TABLE = [
  ['32 GiB', 34359738368, 2, 31741, 31740, 3964, 7932, 3964, 13828, 1024],
  ['32 GiB', 34359738368, 16, 31741, 31740, 3964, 7932, 3964, 13828, 1024],
  ['32 GiB', 34359738368, 64, 31741, 31740, 3964, 7932, 3964, 13828, 1024],
  ['500 GB', 500107862016, 2, 475913, 475912, 4096, 98304, 16384, 349988, 3568],
  ['500 GB', 500107862016, 16, 475913, 475912, 8192, 98304, 16384, 345972, 3528],
  ['500 GB', 500107862016, 64, 475913, 475912, 8192, 98304, 16384, 345972, 3528],
  ['4 TB', 4000787030016, 2, 3814420, 3814416, 4096, 98304, 16384, 3662860, 16384],
  ['4 TB', 4000787030016, 16, 3814420, 3814416, 8192, 98304, 16384, 3658764, 16384],
  ['4 TB', 4000787030016, 64, 3814420, 3814416, 8192, 98304, 16384, 3658764, 16384],
] as const;

describe('LVM sizing (docs/design.md §4)', () => {
  test.each(TABLE)(
    '%s disk, %i GiB RAM',
    (_label, bytes, ram, os, vg, swap, root, minfree, data, meta) => {
      const r = size(bytes, ram);
      if (!r.ok) throw new Error(JSON.stringify(r.issues));
      expect(r.area.osPartitionMiB).toBe(os);
      expect(r.sizes).toEqual({
        vgMiB: vg,
        swapMiB: swap,
        rootMiB: root,
        minfreeMiB: minfree,
        data: { sizeMiB: data, metadataMiB: meta },
        warnings: [],
      });
    },
  );

  test.each(TABLE)(
    '%s disk, %i GiB RAM: everything fits in the VG, on 4 MiB extents',
    (_l, bytes, ram) => {
      const r = size(bytes, ram);
      if (!r.ok) throw new Error();
      const s = r.sizes;
      const used = s.swapMiB + s.rootMiB + s.data!.sizeMiB + 2 * s.data!.metadataMiB + 4;
      expect(used + s.minfreeMiB).toBeLessThanOrEqual(s.vgMiB);
      for (const v of [s.swapMiB, s.rootMiB, s.minfreeMiB, s.data!.sizeMiB, s.data!.metadataMiB])
        expect(v % 4).toBe(0);
    },
  );

  const GB500 = 500107862016;
  test('swapsize overrides RAM (0 = no swap)', () => {
    const r = size(GB500, 16, { swapsize: 2 });
    expect(r.ok && r.sizes.swapMiB).toBe(2048);
    const none = size(GB500, 16, { swapsize: 0 });
    expect(none.ok && none.sizes.swapMiB).toBe(0);
  });
  test('maxroot caps root, minfree overrides, maxvz caps the thin pool', () => {
    const r = size(GB500, 16, { maxroot: 20, minfree: 50, maxvz: 100 });
    if (!r.ok) throw new Error();
    expect(r.sizes.rootMiB).toBe(20480);
    expect(r.sizes.minfreeMiB).toBe(51200);
    // data 102400, metadata 1024 (1% clamped to >= 1 GiB), pool = 102400 - 2048 - 4
    expect(r.sizes.data).toEqual({ sizeMiB: 100348, metadataMiB: 1024 });
  });
  test('maxvz = 0: no thin pool and no warning', () => {
    const r = size(GB500, 16, { maxvz: 0 });
    expect(r.ok && r.sizes.data).toBeNull();
    expect(r.ok && r.sizes.warnings).toEqual([]);
  });
  test('hdsize limits the disk: partition 3 gets an explicit size', () => {
    const r = size(GB500, 16, { hdsize: 100 });
    if (!r.ok) throw new Error();
    expect(r.area).toEqual({ hdsizeMiB: 102400, limited: true, osPartitionMiB: 102400 - 1027 });
    const parts = partitionLayout('/dev/sda', 'lvm', r.area, true);
    expect(parts.map((p) => [p.path, p.sizeMiB])).toEqual([
      ['/dev/sda1', 1],
      ['/dev/sda2', 1024],
      ['/dev/sda3', 102400 - BOOT_AREA_MIB],
    ]);
  });
  test('hdsize = disk size in GiB is not a limit', () => {
    const r = size(32 * 1024 ** 3, 16, { hdsize: 32 });
    expect(r.ok && r.area.limited).toBe(false);
  });
  test('8 GiB disk: root floor of 4 GiB, no room for a thin pool (warning)', () => {
    const r = size(8 * 1024 ** 3, 16);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.sizes.rootMiB).toBe(4096);
    expect(r.sizes.data).toBeNull();
    expect(r.sizes.warnings[0]).toMatch(/^Not enough space for the thin pool 'data'/);
  });

  test.each([
    [
      { hdsize: 600 },
      'disk-setup.lvm.hdsize',
      /^600 GiB is larger than sda \(test\); use at most 465.7 GiB/,
    ],
    [{ hdsize: 6 }, 'disk-setup.lvm.hdsize', /too small: the install needs at least 8 GiB/],
    [{ swapsize: 300 }, 'disk-setup.lvm.swapsize', /more than half of hdsize/],
    [{ maxroot: 2 }, 'disk-setup.lvm.maxroot', /at least 4 GiB/],
    [{ minfree: 400 }, 'disk-setup.lvm.minfree', /does not fit/],
  ] as const)('%o -> %s error', (lvm, path, message) => {
    const r = size(GB500, 16, lvm);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]!.path).toBe(path);
    expect(r.issues[0]!.message).toMatch(message);
  });
  test('a 7 GiB disk is too small', () => {
    const r = size(7 * 1024 ** 3, 16);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.issues[0]).toEqual({
        path: 'disk-setup',
        message: 'sda (test) is too small: the install needs at least 8 GiB',
      });
  });
});

describe('partition names', () => {
  test.each([
    ['sda', 2, 'sda2'],
    ['vdb', 3, 'vdb3'],
    ['nvme0n1', 2, 'nvme0n1p2'],
    ['nvme10n1', 3, 'nvme10n1p3'],
    ['loop0', 2, 'loop0p2'],
    ['mmcblk0', 1, 'mmcblk0p1'],
  ] as const)('%s + %i = %s', (disk, n, want) => {
    expect(partitionName(disk, n)).toBe(want);
    expect(partitionPath(`/dev/${disk}`, n)).toBe(`/dev/${want}`);
  });
  test('4Kn disks get no BIOS boot partition; numbers stay', () => {
    const parts = partitionLayout(
      '/dev/nvme0n1',
      'btrfs',
      { hdsizeMiB: 100000, limited: false, osPartitionMiB: 98973 },
      false,
    );
    expect(parts.map((p) => [p.number, p.path, p.role, p.typeCode])).toEqual([
      [2, '/dev/nvme0n1p2', 'esp', 'EF00'],
      [3, '/dev/nvme0n1p3', 'btrfs', '8300'],
    ]);
  });
});
