import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../lib/errors.ts';
import { installTargets } from '../../../installer/hardware/describe.ts';
import { loadHardwareFile, parseHardwareText } from '../../../installer/hardware/fixture.ts';

const dir = join(import.meta.dirname, '../../fixtures/hardware');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json'));
const load = (name: string) => loadHardwareFile(join(dir, name));

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error('expected a UserError');
}

describe('hardware fixtures', () => {
  it('include every machine docs/design.md §7 and the e2e tests need', () => {
    for (const f of [
      'single-sata',
      'nvme-usb-boot',
      'four-identical',
      'mixed-ssd-hdd',
      'no-vtx',
      'no-link',
      'ten-disks',
      'qemu-virtio',
      'qemu-virtio-2disk',
    ])
      expect(fixtures).toContain(`${f}.json`);
  });

  it.each(fixtures)('%s validates and has exactly one boot medium', (f) => {
    const p = load(f);
    expect(p.disks.filter((d) => d.isBootMedium)).toHaveLength(1);
    expect(p.nics.length).toBeGreaterThan(0);
  });

  it('have the install targets their names promise', () => {
    const targets = (f: string) => installTargets(load(`${f}.json`).disks).map((d) => d.name);
    expect(targets('single-sata')).toEqual(['sda']);
    expect(targets('nvme-usb-boot')).toEqual(['nvme0n1']); // sdb is the boot stick, sda an empty card reader
    expect(targets('four-identical')).toEqual(['sda', 'sdb', 'sdc', 'sdd']);
    expect(targets('mixed-ssd-hdd')).toEqual(['sda', 'sdb', 'sdc', 'sdd']);
    expect(targets('no-link')).toEqual(['sda']); // sdb is read-only
    expect(targets('ten-disks')).toHaveLength(10);
    expect(targets('qemu-virtio')).toEqual(['vda']);
    expect(targets('qemu-virtio-2disk')).toEqual(['vda', 'vdb']);
  });

  it('cover no VT-x and no link', () => {
    const novtx = load('no-vtx.json');
    expect(novtx.cpu.virtualization).toBeNull();
    expect(novtx.kvm.devicePresent).toBe(false);
    expect(load('no-link.json').nics.every((n) => !n.link)).toBe(true);
  });

  it('carry the udev properties answer-file filters use', () => {
    const sda = load('single-sata.json').disks.find((d) => d.name === 'sda');
    expect(sda?.udev).toMatchObject({
      ID_MODEL: 'Samsung_SSD_870_EVO_500GB',
      ID_SERIAL_SHORT: 'S6PWNJ0T412345A',
      ID_BUS: 'ata',
      DEVNAME: '/dev/sda',
    });
    const nic = load('qemu-virtio.json').nics[0];
    expect(nic?.udev).toMatchObject({
      ID_NET_DRIVER: 'virtio_net',
      ID_NET_NAME_MAC: 'enx525400123456',
      ID_NET_NAME_PATH: 'enp0s3',
    });
  });
});

describe('loadHardwareFile errors', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'openve-hw-'));
  const write = (name: string, body: string) => {
    const f = join(tmp, name);
    writeFileSync(f, body);
    return f;
  };

  it('names a missing file', () => {
    expect(userError(() => loadHardwareFile(join(tmp, 'nope.json'))).message).toMatch(
      /^--hardware: .*nope\.json: no such file/,
    );
  });

  it('names bad JSON', () => {
    const f = write('bad.json', '{"cpu":');
    expect(userError(() => loadHardwareFile(f)).message).toContain(`${f}: not valid JSON`);
  });

  it('names each bad field with its path', () => {
    const p = JSON.parse(JSON.stringify(load('single-sata.json')));
    p.disks[1].kind = 'floppy';
    p.disks[1].sizeBytes = -1;
    p.nics[0].mac = 'E4:54:E8:5A:12:34';
    p.firmware = 'efi';
    p.disks[0].sizee = 1;
    const err = userError(() => parseHardwareText(JSON.stringify(p), 'x.json'));
    const paths = err.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'x.json: disks[1].kind',
        'x.json: disks[1].sizeBytes',
        'x.json: nics[0].mac',
        'x.json: firmware',
        'x.json: disks[0]',
      ]),
    );
    expect(err.issues.find((i) => i.path === 'x.json: disks[1].kind')?.message).toContain('"disk"');
    expect(err.issues.find((i) => i.path === 'x.json: nics[0].mac')?.message).toContain(
      'lower-case MAC',
    );
  });

  it('says when a field is missing', () => {
    const p = JSON.parse(JSON.stringify(load('single-sata.json')));
    delete p.memoryBytes;
    delete p.nics[0].mac;
    const err = userError(() => parseHardwareText(JSON.stringify(p), 'z.json'));
    expect(err.issues).toEqual([
      { path: 'z.json: memoryBytes', message: 'missing: must be a whole number >= 0' },
      { path: 'z.json: nics[0].mac', message: 'missing: Invalid input: expected string' },
    ]);
  });

  it('rejects duplicate disk names and a path that does not match the name', () => {
    const p = JSON.parse(JSON.stringify(load('four-identical.json')));
    p.disks[2].name = 'sda';
    const err = userError(() => parseHardwareText(JSON.stringify(p), 'y.json'));
    expect(err.issues).toEqual(
      expect.arrayContaining([
        { path: 'y.json: disks[2].name', message: "duplicate name 'sda'" },
        { path: 'y.json: disks[2].path', message: "must be /dev/sda (the disk's name)" },
      ]),
    );
  });
});
