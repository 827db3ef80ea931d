import { describe, expect, test } from 'vitest';
import { selectDisks, naturalCompare } from '../../../installer/plan/disks.ts';
import { globToRegExp, matchesFilter } from '../../../installer/plan/match.ts';
import type { DiskAnswers } from '../../../contracts/answers/types.ts';
import { answers, disk, fixture, GiB, machine } from './helpers.ts';

const list = (...disks: string[]): DiskAnswers['selection'] => ({ kind: 'list', disks });
const filter = (
  f: Record<string, string>,
  match: 'any' | 'all' = 'any',
): DiskAnswers['selection'] => ({ kind: 'filter', filter: f, match });
const sel = (selection: DiskAnswers['selection'], over: Partial<DiskAnswers> = {}) =>
  answers({ disk: { selection, ...over } }).disk;
const names = (r: ReturnType<typeof selectDisks>) => (r.ok ? r.value.map((d) => d.name) : r.issues);

describe('globs', () => {
  test.each([
    ['Samsung*', 'Samsung SSD 870', true],
    ['Samsung*', 'samsung', false],
    ['WD-WCC7K?ABC123', 'WD-WCC7K0ABC123', true],
    ['sd[ab]', 'sdb', true],
    ['sd[!ab]', 'sdb', false],
    ['a.b', 'axb', false],
    ['*(x)*', 'y(x)z', true],
  ] as const)('%s vs %s', (glob, value, want) => expect(globToRegExp(glob).test(value)).toBe(want));
  test('any vs all; a missing property never matches', () => {
    const props = { ID_BUS: 'ata', ID_MODEL: 'X' };
    expect(matchesFilter(props, { ID_BUS: 'ata', ID_MODEL: 'Y' }, 'any')).toBe(true);
    expect(matchesFilter(props, { ID_BUS: 'ata', ID_MODEL: 'Y' }, 'all')).toBe(false);
    expect(matchesFilter(props, { ID_BUS: 'ata', ID_SERIAL: '*' }, 'all')).toBe(false);
    expect(matchesFilter(props, {}, 'any')).toBe(false);
  });
  test('natural order', () => {
    expect(['sdaa', 'sdb', 'sda', 'nvme10n1', 'nvme2n1'].sort(naturalCompare)).toEqual([
      'nvme2n1',
      'nvme10n1',
      'sda',
      'sdaa',
      'sdb',
    ]);
  });
});

describe('disk-list', () => {
  const hw = fixture('ten-disks');
  test('names with or without /dev/, kept in the order given', () => {
    expect(names(selectDisks(sel(list('/dev/sdb')), hw))).toEqual(['sdb']);
    expect(
      names(
        selectDisks(
          sel(list('nvme1n1', '/dev/nvme0n1'), { filesystem: 'btrfs', btrfs: { raid: 'raid1' } }),
          hw,
        ),
      ),
    ).toEqual(['nvme1n1', 'nvme0n1']);
  });
  test('a missing disk names itself and lists every disk with size, model and serial', () => {
    const r = selectDisks(sel(list('sdz')), hw);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]!.path).toBe('disk-setup.disk-list[0]');
    const msg = r.issues[0]!.message;
    expect(msg.split('\n')[0]).toBe("no disk named 'sdz'; disks on this machine:");
    for (const d of hw.disks) expect(msg).toContain(`  ${d.name} (`);
    expect(msg).toContain('  sda (447.1 GiB, Micron_5300_MTFDDAK480TDS, serial 2114311A0B1C)');
    expect(msg).toContain('sr0 (');
    expect(msg).toMatch(/sr0 \(.*\) \[not a target: boot medium/);
  });
  test.each([
    ['sr0', /'sr0' can never be an install target: boot medium/],
    ['loop0', /'loop0' can never be an install target: loop device/],
  ])('%s is refused', (name, message) => {
    const r = selectDisks(sel(list(name)), hw);
    expect(r.ok || r.issues[0]!.message).toMatch(message);
  });
  test('read-only disk is refused', () => {
    const r = selectDisks(sel(list('sdb')), fixture('no-link'));
    expect(r.ok || r.issues[0]!.message).toMatch(/'sdb' can never be an install target: read-only/);
  });
  test('ext4 takes exactly one disk', () => {
    const r = selectDisks(sel(list('sda', 'sdb')), hw);
    expect(r.ok || r.issues[0]).toMatchObject({
      path: 'disk-setup.disk-list',
      message: expect.stringMatching(
        /^ext4 \(LVM\) installs onto exactly one disk, but 2 are listed \(sda, sdb\)/,
      ),
    });
  });
  test('btrfs raid minimums (raid1 2, raid10 4)', () => {
    const r1 = selectDisks(sel(list('sda'), { filesystem: 'btrfs', btrfs: { raid: 'raid1' } }), hw);
    expect(r1.ok || r1.issues[0]!.message).toMatch(
      /^btrfs raid1 needs at least 2 disks, but 1 listed/,
    );
    const r10 = selectDisks(
      sel(list('sdc', 'sdd', 'sde'), { filesystem: 'btrfs', btrfs: { raid: 'raid10' } }),
      hw,
    );
    expect(r10.ok || r10.issues[0]!.message).toMatch(
      /^btrfs raid10 needs at least 4 disks, but 3 listed/,
    );
  });
  test('duplicates', () => {
    const r = selectDisks(
      sel(list('sda', '/dev/sda'), { filesystem: 'btrfs', btrfs: { raid: 'raid1' } }),
      hw,
    );
    expect(r.ok || r.issues[0]).toMatchObject({
      path: 'disk-setup.disk-list[1]',
      message: expect.stringMatching(/^'\/dev\/sda' is listed twice/),
    });
  });
});

describe('filters', () => {
  const hw = fixture('ten-disks');
  test('btrfs takes every match, in name order', () => {
    const r = selectDisks(
      sel(filter({ ID_MODEL: 'ST8000*' }), { filesystem: 'btrfs', btrfs: { raid: 'raid10' } }),
      hw,
    );
    expect(names(r)).toEqual(['sdc', 'sdd', 'sde', 'sdf', 'sdg', 'sdh']);
  });
  test('filter-match all narrows', () => {
    const serial = hw.disks.find((d) => d.name === 'sdd')!.udev.ID_SERIAL_SHORT!;
    expect(
      names(selectDisks(sel(filter({ ID_MODEL: 'ST8000*', ID_SERIAL_SHORT: serial }, 'all')), hw)),
    ).toEqual(['sdd']);
  });
  test('filter-match any widens: too many for ext4', () => {
    const serial = hw.disks.find((d) => d.name === 'sdd')!.udev.ID_SERIAL_SHORT!;
    const r = selectDisks(sel(filter({ ID_MODEL: 'ST8000*', ID_SERIAL_SHORT: serial }, 'any')), hw);
    expect(r.ok || r.issues[0]).toMatchObject({
      path: 'disk-setup.filter',
      message: expect.stringMatching(
        /matches 6 disks \(sdc, sdd, sde, sdf, sdg, sdh\), but ext4 \(LVM\) installs onto exactly one/,
      ),
    });
  });
  test('zero matches lists every disk', () => {
    const r = selectDisks(sel(filter({ ID_MODEL: 'Nope*' })), hw);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues[0]!.message.split('\n')).toHaveLength(1 + hw.disks.length);
  });
  test('a filter never picks the boot medium, and says so when that is all it matched', () => {
    const hw2 = fixture('mixed-ssd-hdd');
    const r = selectDisks(sel(filter({ ID_BUS: 'usb' })), hw2);
    expect(r.ok || r.issues[0]!.message).toMatch(
      /matches no disk that can be installed onto \(it matches only sde, which can never be a target\)/,
    );
  });
  test('disks without udev properties never match', () => {
    const hw3 = machine({ disks: [disk('sda', 100 * GiB, { udev: {} })] });
    expect(selectDisks(sel(filter({ ID_MODEL: '*' })), hw3).ok).toBe(false);
  });
});
