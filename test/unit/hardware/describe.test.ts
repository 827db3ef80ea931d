import { describe, expect, it } from 'vitest';
import {
  describeDisk,
  describeNic,
  formatBytes,
  installTargets,
  isInstallTarget,
} from '../../../installer/hardware/describe.ts';
import type { DiskInfo } from '../../../contracts/hardware/types.ts';

const disk = (over: Partial<DiskInfo> = {}): DiskInfo => ({
  name: 'sda',
  path: '/dev/sda',
  kind: 'disk',
  sizeBytes: 500_107_862_016,
  logicalSectorSize: 512,
  model: 'Samsung SSD 870 EVO 500GB',
  serial: 'S6PWNJ0T412345A',
  wwn: null,
  vendor: 'ATA',
  rotational: false,
  removable: false,
  readOnly: false,
  transport: 'sata',
  isBootMedium: false,
  udev: {},
  ...over,
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [32 * 1024 ** 3, '32 GiB'],
    [500_107_862_016, '465.8 GiB'],
    [4_000_787_030_016, '3.6 TiB'],
    [1024 ** 3 - 1, '1 GiB'], // rounds up into the next unit, never "1024 MiB"
  ])('%d -> %s', (n, s) => expect(formatBytes(n)).toBe(s));
});

describe('describeDisk / describeNic', () => {
  it('names size, model and serial', () => {
    expect(describeDisk(disk())).toBe(
      'sda (465.8 GiB, Samsung SSD 870 EVO 500GB, serial S6PWNJ0T412345A)',
    );
    expect(
      describeDisk(disk({ name: 'vda', sizeBytes: 32 * 1024 ** 3, model: '', serial: ' ' })),
    ).toBe('vda (32 GiB, no model, no serial)');
  });
  it('says whether a NIC has link', () => {
    const n = {
      name: 'eno1',
      mac: 'e4:54:e8:5a:12:34',
      driver: 'e1000e',
      link: true,
      speedMbps: 1000,
      udev: {},
    };
    expect(describeNic(n)).toBe('eno1 (e4:54:e8:5a:12:34, e1000e, link up 1000 Mb/s)');
    expect(describeNic({ ...n, link: false, speedMbps: null, driver: '' })).toBe(
      'eno1 (e4:54:e8:5a:12:34, unknown driver, no link)',
    );
  });
});

describe('isInstallTarget', () => {
  it('accepts a plain disk', () => expect(isInstallTarget(disk())).toBeNull());
  it.each([
    [{ isBootMedium: true, removable: true }, /boot medium/],
    [{ kind: 'loop' as const }, /loop/],
    [{ kind: 'ram' as const }, /RAM/],
    [{ kind: 'rom' as const }, /optical/],
    [{ kind: 'md' as const }, /md/],
    [{ kind: 'dm' as const }, /device-mapper/],
    [{ kind: 'other' as const }, /not a local disk/],
    [{ kind: 'other' as const, name: 'fd0' }, /floppy/],
    [{ readOnly: true }, /read-only/],
    [{ sizeBytes: 0 }, /size 0/],
  ])('refuses %o', (over, reason) => expect(isInstallTarget(disk(over))).toMatch(reason));
  it('boot medium wins over other reasons', () =>
    expect(isInstallTarget(disk({ kind: 'rom', isBootMedium: true }))).toMatch(/boot medium/));
  it('installTargets keeps order', () => {
    expect(
      installTargets([
        disk({ name: 'sdb' }),
        disk({ name: 'loop0', kind: 'loop' }),
        disk({ name: 'sda' }),
      ]).map((d) => d.name),
    ).toEqual(['sdb', 'sda']);
  });
});
