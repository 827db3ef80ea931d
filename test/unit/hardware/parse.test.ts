import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  diskKind,
  normaliseWwn,
  parseCpuinfo,
  parseIpLink,
  parseLsblk,
  parseMeminfo,
  parseMounts,
  parseUdevProperties,
  parseVpd80,
  transport,
} from '../../../installer/hardware/parse.ts';
import { bootMedia, diskUsage, wholeDisk } from '../../../installer/hardware/detect.ts';
import { derivePathId, pciPathName } from '../../../installer/hardware/udev.ts';

const raw = (f: string) =>
  readFileSync(join(import.meta.dirname, '../../fixtures/hardware/raw', f), 'utf8');

describe('parseLsblk', () => {
  const rows = parseLsblk(raw('lsblk-live-usb.json'));
  const row = (n: string) => rows.find((r) => r.kname === n)!;

  it('flattens the tree and keeps each row parent', () => {
    expect(rows.map((r) => r.kname)).toEqual([
      'loop0',
      'sda',
      'sda1',
      'sda2',
      'sda3',
      'dm-0',
      'dm-1',
      'sdb',
      'sdb1',
      'sdb2',
      'sr0',
      'nvme0n1',
      'md127',
    ]);
    expect(row('dm-1')).toMatchObject({
      name: 'pve-root',
      path: '/dev/mapper/pve-root',
      type: 'lvm',
      parent: 'sda3',
    });
  });

  it('reads the disk fields, trimming SCSI vendor padding', () => {
    expect(row('sda')).toMatchObject({
      size: 500107862016,
      model: 'Samsung SSD 870 EVO 500GB',
      serial: 'S6PWNJ0T412345A',
      vendor: 'ATA',
      wwn: '0x5002538f41234567',
      tran: 'sata',
      rota: false,
      rm: false,
      ro: false,
      logSec: 512,
      pttype: 'gpt',
    });
    expect(row('sdb')).toMatchObject({
      vendor: 'SanDisk',
      tran: 'usb',
      rm: true,
      fstype: 'iso9660',
      label: 'OPENVE',
    });
    expect(row('sr0').logSec).toBe(2048);
    expect(row('loop0')).toMatchObject({
      ro: true,
      mountpoints: ['/run/live/rootfs/filesystem.squashfs'],
    });
  });

  it('reads the old all-strings format (util-linux 2.32)', () => {
    const old = parseLsblk(raw('lsblk-util-linux-2.32.json'));
    expect(old[0]).toMatchObject({
      kname: 'sda',
      path: '/dev/sda',
      size: 4000787030016,
      rota: true,
      ro: false,
      rm: false,
      logSec: 512,
    });
    expect(old.find((r) => r.kname === 'md0')).toMatchObject({
      type: 'raid1',
      mountpoints: ['/srv'],
      parent: 'sda1',
    });
    expect(old.find((r) => r.kname === 'sr0')).toMatchObject({
      rm: true,
      tran: 'ata',
      vendor: 'QEMU',
    });
  });

  it('reads this build host (recorded)', () => {
    const host = parseLsblk(raw('lsblk-buildhost.json'));
    expect(host.find((r) => r.kname === 'vda')).toMatchObject({
      type: 'disk',
      size: 274877906944,
      vendor: '0x1af4',
      rota: true,
    });
  });
});

describe('kinds and transports', () => {
  it.each([
    ['sda', 'disk', 'disk'],
    ['loop0', 'loop', 'loop'],
    ['sr0', 'rom', 'rom'],
    ['zram0', 'disk', 'ram'],
    ['ram0', 'disk', 'ram'],
    ['md127', 'raid1', 'md'],
    ['dm-0', 'lvm', 'dm'],
    ['nbd0', 'disk', 'other'],
    ['fd0', 'disk', 'other'],
    ['nvme0n1', 'disk', 'disk'],
  ])('%s (%s) is %s', (name, type, kind) => expect(diskKind(name, type)).toBe(kind));

  it.each([
    ['sda', 'sata', 'sata'],
    ['sr0', 'ata', 'ide'],
    ['sdc', 'sas', 'sas'],
    ['sdd', 'iscsi', 'scsi'],
    ['vda', '', 'virtio'],
    ['nvme0n1', '', 'nvme'],
    ['mmcblk0', '', 'mmc'],
    ['sdx', '', 'unknown'],
  ])('%s with TRAN %j is %s', (name, tran, t) => expect(transport(name, tran)).toBe(t));

  it('normalises WWNs as udev does', () => {
    expect(normaliseWwn('naa.5002538F41234567')).toBe('0x5002538f41234567');
    expect(normaliseWwn('eui.002538b121b2c3d4\n')).toBe('eui.002538b121b2c3d4');
    expect(normaliseWwn('')).toBeNull();
  });

  it('reads the serial from VPD page 0x80', () => {
    const serial = '    S6PWNJ0T412345A';
    const buf = Buffer.concat([
      Buffer.from([0, 0x80, 0, serial.length]),
      Buffer.from(serial, 'latin1'),
    ]);
    expect(parseVpd80(buf)).toBe('S6PWNJ0T412345A');
    expect(parseVpd80(Buffer.from([0, 0x83, 0, 0]))).toBe('');
  });
});

describe('boot medium and disks in use', () => {
  const rows = parseLsblk(raw('lsblk-live-usb.json'));
  const names = ['loop0', 'sda', 'sdb', 'sr0', 'nvme0n1', 'md127', 'dm-0', 'dm-1'];
  const mounts = parseMounts(raw('mounts-live-usb.txt'));

  it('resolves partitions and LVs to their disk', () => {
    const top = wholeDisk(rows, names);
    expect(['sdb1', 'dm-1', 'sda', 'nvme0n1'].map(top)).toEqual(['sdb', 'sda', 'sda', 'nvme0n1']);
    expect(wholeDisk([], ['sda', 'nvme0n1'])('nvme0n1p2')).toBe('nvme0n1');
    expect(wholeDisk([], ['sda'])('sda1')).toBe('sda');
  });

  it('finds the stick mounted at /run/live/medium', () => {
    expect([...bootMedia(rows, mounts, names)]).toEqual(['sdb']);
  });

  it('finds an OPENVE ISO9660 disk even when the medium is not mounted (toram)', () => {
    expect([...bootMedia(rows, [], names)]).toEqual(['sdb']);
    const relabelled = rows.map((r) => (r.kname.startsWith('sdb') ? { ...r, label: 'OTHER' } : r));
    expect([...bootMedia(relabelled, [], names)]).toEqual([]);
  });

  it('finds the CD when live-boot mounted /dev/sr0', () => {
    expect([
      ...bootMedia([], [{ source: '/dev/sr0', target: '/run/live/medium' }], ['sr0', 'sda']),
    ]).toEqual(['sr0']);
  });

  it('collects mount points per disk, decoding /proc/mounts escapes', () => {
    expect(mounts.find((m) => m.source === '/dev/mapper/pve-root')?.target).toBe('/mnt/old root');
    const usage = diskUsage(rows, mounts, names);
    expect(usage.get('sdb')).toEqual(['/run/live/medium']);
    expect(usage.get('loop0')).toEqual(['/run/live/rootfs/filesystem.squashfs']);
    expect(usage.get('sda')).toEqual(['/mnt/old root']); // /dev/mapper/pve-root, an LV on sda3
    expect(usage.has('nvme0n1')).toBe(false);
  });
});

describe('the QEMU live boot (recorded: trixie, util-linux 2.41)', () => {
  const rows = parseLsblk(raw('lsblk-qemu-live.json'));
  const names = ['fd0', 'loop0', 'sr0', 'vda', 'vdb'];

  it('reads virtio transport, the read-only CD and the floppy', () => {
    expect(
      rows.map(
        (r) => `${r.kname}:${r.type}:${transport(r.kname, r.tran)}:${diskKind(r.kname, r.type)}`,
      ),
    ).toEqual([
      'fd0:disk:unknown:other',
      'loop0:loop:unknown:loop',
      'sr0:rom:ide:rom',
      'vda:disk:virtio:disk',
      'vdb:disk:virtio:disk',
    ]);
    expect(rows.find((r) => r.kname === 'sr0')).toMatchObject({
      ro: true,
      label: 'OPENVE',
      fstype: 'iso9660',
      serial: 'QM00003',
      mountpoints: ['/run/live/medium'],
    });
    expect(rows.find((r) => r.kname === 'vda')).toMatchObject({
      size: 32 * 1024 ** 3,
      model: '',
      serial: '',
      vendor: '0x1af4',
    });
  });

  it('finds the CD live-boot mounted', () => {
    expect([...bootMedia(rows, parseMounts(raw('mounts-qemu-live.txt')), names)]).toEqual(['sr0']);
  });

  it('sees svm on the qemu64 CPU', () => {
    expect(parseCpuinfo(raw('cpuinfo-qemu-tcg.txt'))).toEqual({
      model: 'QEMU Virtual CPU version 2.5+',
      vendor: 'AuthenticAMD',
      cores: 2,
      threads: 2,
      virtualization: 'svm',
    });
  });

  it('reads the NIC ip reported down before bring-up', () => {
    expect(
      parseIpLink(raw('ip-link-qemu-live.json')).find((l) => l.ifname === 'ens3'),
    ).toMatchObject({ mac: '52:54:00:12:34:56', operstate: 'DOWN' });
  });
});

describe('parseIpLink', () => {
  it('prefers the permanent MAC (bond slaves) and lower-cases it', () => {
    const links = parseIpLink(raw('ip-link-live.json'));
    expect(links.find((l) => l.ifname === 'enp3s0')?.mac).toBe('ac:1f:6b:01:02:06');
    expect(links.find((l) => l.ifname === 'eno1')).toMatchObject({
      ifindex: 2,
      mac: 'e4:54:e8:5a:12:34',
      linkType: 'ether',
    });
    expect(links.find((l) => l.ifname === 'enp2s0')?.flags).not.toContain('UP');
  });
  it('reads this build host (recorded)', () => {
    expect(parseIpLink(raw('ip-link-buildhost.json')).map((l) => l.ifname)).toContain('lo');
  });
});

describe('/proc parsers', () => {
  it('counts cores and threads and finds svm', () => {
    expect(parseCpuinfo(raw('cpuinfo-ryzen-smt.txt'))).toEqual({
      model: 'AMD Ryzen 5 3600 6-Core Processor',
      vendor: 'AuthenticAMD',
      cores: 2,
      threads: 4,
      virtualization: 'svm',
    });
  });
  it('reads the build host: no vmx/svm', () => {
    expect(parseCpuinfo(raw('cpuinfo-buildhost.txt'))).toMatchObject({
      model: 'Intel(R) Xeon(R) Processor',
      vendor: 'GenuineIntel',
      threads: 2,
      virtualization: null,
    });
  });
  it('finds vmx and falls back to threads without topology', () => {
    expect(
      parseCpuinfo(
        'processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vmx\n\nprocessor\t: 1\nflags\t\t: fpu vmx\n',
      ),
    ).toMatchObject({ cores: 2, threads: 2, virtualization: 'vmx' });
    expect(parseCpuinfo('')).toMatchObject({ cores: 0, threads: 0, virtualization: null });
  });
  it('reads MemTotal', () => {
    expect(parseMeminfo('MemTotal:       16309980 kB\nMemFree: 1 kB\n')).toBe(16309980 * 1024);
    expect(parseMeminfo(raw('meminfo-buildhost.txt'))).toBeGreaterThan(0);
  });
});

describe('udev', () => {
  it('splits udevadm output for several devices', () => {
    const recs = parseUdevProperties(raw('udevadm-live.txt'));
    expect(recs.map((r) => r.DEVNAME ?? r.INTERFACE)).toEqual(['/dev/sda', '/dev/sdb', 'eno1']);
    expect(recs[0]).toMatchObject({
      ID_SERIAL_SHORT: 'S6PWNJ0T412345A',
      ID_WWN: '0x5002538f41234567',
      ID_PATH: 'pci-0000:00:17.0-ata-1.0',
    });
    expect(recs[2]).toMatchObject({
      ID_NET_NAME_PATH: 'enp0s31f6',
      ID_VENDOR_FROM_DATABASE: 'Intel Corporation',
    });
  });

  it('splits systemd 257 output, where records follow each other without a blank line (recorded in QEMU)', () => {
    const recs = parseUdevProperties(raw('udevadm-qemu-live.txt'));
    expect(recs.map((r) => r.DEVNAME ?? r.INTERFACE)).toEqual([
      '/dev/vda',
      '/dev/vdb',
      '/dev/sr0',
      '/dev/loop0',
      'ens3',
    ]);
    expect(recs[2]).toMatchObject({
      ID_SERIAL: 'QEMU_DVD-ROM_QM00003',
      ID_FS_LABEL: 'OPENVE',
      ID_PATH: 'pci-0000:00:01.1-ata-2.0',
    });
    expect(recs[4]).toMatchObject({
      ID_NET_NAME_PATH: 'enp0s3',
      ID_NET_NAME_SLOT: 'ens3',
      ID_NET_DRIVER: 'virtio_net',
    });
  });

  it('derives ID_PATH like path_id for the common buses', () => {
    expect(
      derivePathId(
        '/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda',
        'sda',
        'sata',
        '0:0:0:0',
      ),
    ).toBe('pci-0000:00:17.0-ata-1.0');
    expect(
      derivePathId(
        '/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/host1/target1:0:0/1:0:0:0/block/sdb',
        'sdb',
        'usb',
        '1:0:0:0',
      ),
    ).toBe('pci-0000:00:14.0-usb-0:2:1.0-scsi-0:0:0:0');
    expect(
      derivePathId(
        '/devices/pci0000:00/0000:00:06.0/0000:01:00.0/nvme/nvme0/nvme0n1',
        'nvme0n1',
        'nvme',
        '',
      ),
    ).toBe('pci-0000:01:00.0-nvme-1');
    expect(
      derivePathId('/devices/pci0000:00/0000:00:02.0/virtio1/block/vda', 'vda', 'virtio', ''),
    ).toBe('pci-0000:00:02.0');
    expect(derivePathId('/devices/virtual/block/loop0', 'loop0', 'unknown', '')).toBeNull();
  });

  it('names PCI NICs like systemd net_id', () => {
    expect(pciPathName('0000:00:1f.6', false)).toBe('enp0s31f6');
    expect(pciPathName('0000:03:00.0', false)).toBe('enp3s0');
    expect(pciPathName('0000:18:00.0', true)).toBe('enp24s0f0');
    expect(pciPathName('0001:00:03.0', false)).toBe('enP1p0s3');
  });
});
