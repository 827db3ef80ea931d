import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandResult, CommandRunner } from '../../../lib/exec/types.ts';
import { installTargets, isInstallTarget } from '../../../installer/hardware/describe.ts';
import { NOTE_NO_UDEV, NOTE_NO_VT, detectHardware } from '../../../installer/hardware/detect.ts';
import { checkHardwareProfile } from '../../../contracts/hardware/schema.ts';
import { formatProfile } from '../../../installer/hardware/summary.ts';
import { hostReader } from '../../../installer/hardware/sysfs.ts';
import { blockDevice, buildRoot, type Entry } from './sysroot.ts';

const raw = (f: string) =>
  readFileSync(join(import.meta.dirname, '../../fixtures/hardware/raw', f), 'utf8');

/** Replays recorded command output; records what was asked; `onRun` plays the command's effect. */
function replay(
  outputs: Record<string, string>,
  onRun?: (argv: readonly string[]) => void,
): CommandRunner & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    async run(argv): Promise<CommandResult> {
      calls.push([...argv]);
      onRun?.(argv);
      if (argv[0] === 'ip' && argv[1] === 'link' && argv[2] === 'set')
        return { argv: [...argv], exitCode: 0, stdout: '', stderr: '', durationMs: 0 };
      const out = outputs[argv[0]!];
      return {
        argv: [...argv],
        exitCode: out === undefined ? 127 : 0,
        stdout: out ?? '',
        stderr: '',
        durationMs: 0,
      };
    },
  };
}

const vpd = (serial: string) =>
  Buffer.concat([Buffer.from([0, 0x80, 0, serial.length]), Buffer.from(serial, 'latin1')]);
const ata = '/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0';
const usb = '/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/host1/target1:0:0/1:0:0:0';
const sata2 = '/devices/pci0000:00/0000:00:17.0/ata3/host2/target2:0:0/2:0:0:0';
const blockAttrs = (
  sectors: number,
  o: {
    ro?: string;
    rm?: string;
    rota?: string;
    lbs?: string;
    major: number;
    minor: number;
    name: string;
  },
) => ({
  size: String(sectors),
  ro: o.ro ?? '0',
  removable: o.rm ?? '0',
  'queue/rotational': o.rota ?? '0',
  'queue/logical_block_size': o.lbs ?? '512',
  uevent: `MAJOR=${o.major}\nMINOR=${o.minor}\nDEVNAME=${o.name}\nDEVTYPE=disk\nDISKSEQ=${o.minor + 9}\n`,
});

function nic(
  name: string,
  pci: string,
  ifindex: number,
  files: Record<string, string>,
  driver: string,
): Record<string, Entry> {
  const dev = `/sys/devices/pci0000:00/${pci}`;
  const spec: Record<string, Entry> = {
    [`/sys/class/net/${name}`]: { link: `../../devices/pci0000:00/${pci}/net/${name}` },
    [`${dev}/net/${name}/device`]: { link: '../../../' + pci },
    [`${dev}/net/${name}/ifindex`]: String(ifindex),
    [`${dev}/driver`]: { link: `../../../bus/pci/drivers/${driver}` },
    [`${dev}/vendor`]: '0x8086',
    [`${dev}/device`]: '0x15bb',
    [`/sys/bus/pci/devices/${pci}`]: { link: `../../../devices/pci0000:00/${pci}` },
  };
  for (const [k, v] of Object.entries(files)) spec[`${dev}/net/${name}/${k}`] = v;
  return spec;
}

/** The live USB machine of raw/lsblk-live-usb.json, as sysfs would show it. */
function liveMachine(extra: Record<string, Entry> = {}): string {
  return buildRoot({
    '/proc/cpuinfo': raw('cpuinfo-ryzen-smt.txt'),
    '/proc/meminfo': 'MemTotal:       32615020 kB\n',
    '/proc/mounts': raw('mounts-live-usb.txt'),
    '/dev/kvm': '',
    '/sys/firmware/efi': { dir: true },
    '/sys/kernel/iommu_groups/0': { dir: true },
    '/sys/kernel/iommu_groups/1': { dir: true },
    ...blockDevice(`${ata}/block/sda`, blockAttrs(976773168, { major: 8, minor: 0, name: 'sda' }), {
      rel: '../../../0:0:0:0',
      attrs: {
        model: 'Samsung SSD 870 EVO 500GB\n',
        vendor: 'ATA     \n',
        vpd_pg80: vpd('S6PWNJ0T412345A'),
        wwid: 'naa.5002538f41234567\n',
      },
    }),
    ...blockDevice(
      `${usb}/block/sdb`,
      blockAttrs(30031872, { rm: '1', major: 8, minor: 16, name: 'sdb' }),
      { rel: '../../../1:0:0:0', attrs: { model: 'Cruzer Blade', vendor: 'SanDisk' } },
    ),
    // a second SATA disk lsblk does not know about (hot-plugged): sysfs alone describes it
    ...blockDevice(
      `${sata2}/block/sdc`,
      blockAttrs(7814037168, { rota: '1', major: 8, minor: 32, name: 'sdc' }),
      {
        rel: '../../../2:0:0:0',
        attrs: {
          model: 'WDC WD40EFRX-68N32N0',
          vendor: 'ATA',
          vpd_pg80: vpd('WD-WCC7K0ABC123'),
          wwid: 'naa.50014ee2b1a0c001',
        },
      },
    ),
    ...blockDevice(
      '/devices/pci0000:00/0000:00:06.0/0000:01:00.0/nvme/nvme0/nvme0n1',
      {
        ...blockAttrs(1953525168, { major: 259, minor: 0, name: 'nvme0n1' }),
        wwid: 'eui.002538b121b2c3d4',
      },
      {
        rel: '../../nvme0',
        attrs: { model: 'Samsung SSD 980 PRO 1TB', serial: 'S5GXNX0T123456X' },
      },
    ),
    ...blockDevice(
      '/devices/pci0000:00/0000:00:17.0/ata2/host1/target1:0:0/1:0:0:0/block/sr0',
      blockAttrs(2097151, { rm: '1', rota: '1', lbs: '2048', major: 11, minor: 0, name: 'sr0' }),
    ),
    ...blockDevice(
      '/devices/virtual/block/loop0',
      blockAttrs(479232, { ro: '1', major: 7, minor: 0, name: 'loop0' }),
    ),
    ...blockDevice(
      '/devices/virtual/block/loop1',
      blockAttrs(0, { major: 7, minor: 1, name: 'loop1' }),
    ),
    ...blockDevice(
      '/devices/virtual/block/dm-1',
      blockAttrs(201326592, { major: 253, minor: 1, name: 'dm-1' }),
    ),
    ...blockDevice(
      '/devices/virtual/block/md127',
      blockAttrs(0, { major: 9, minor: 127, name: 'md127' }),
    ),
    ...nic(
      'eno1',
      '0000:00:1f.6',
      2,
      {
        address: 'e4:54:e8:5a:12:34\n',
        flags: '0x1003\n',
        carrier: '1\n',
        operstate: 'up\n',
        speed: '1000\n',
      },
      'e1000e',
    ),
    // administratively down: the kernel refuses to read carrier and speed
    ...nic(
      'enp2s0',
      '0000:02:00.0',
      3,
      { address: 'ac:1f:6b:01:02:04\n', flags: '0x1002\n', operstate: 'down\n' },
      'igb',
    ),
    // bond slave: its address is the bond's, ip reports the permanent one
    ...nic(
      'enp3s0',
      '0000:03:00.0',
      4,
      {
        address: 'ac:1f:6b:01:02:05\n',
        flags: '0x1803\n',
        carrier: '1\n',
        operstate: 'up\n',
        speed: '-1\n',
      },
      'igb',
    ),
    '/sys/devices/pci0000:00/0000:03:00.0/net/enp3s0/master': {
      link: '../../../../virtual/net/bond0',
    },
    '/sys/devices/virtual/net/bond0/address': 'ac:1f:6b:01:02:05\n',
    '/sys/class/net/lo': { link: '../../devices/virtual/net/lo' },
    '/sys/devices/virtual/net/lo/address': '00:00:00:00:00:00\n',
    '/sys/class/net/bond0': { link: '../../devices/virtual/net/bond0' },
    '/sys/class/net/vmbr0': { link: '../../devices/virtual/net/vmbr0' },
    ...extra,
  });
}

const outputs = {
  lsblk: raw('lsblk-live-usb.json'),
  ip: raw('ip-link-live.json'),
  udevadm: raw('udevadm-live.txt'),
};

describe('detectHardware on a recorded live machine without udev', async () => {
  const runner = replay(outputs);
  const p = await detectHardware(runner, { sys: hostReader(liveMachine()) });
  const disk = (n: string) => p.disks.find((d) => d.name === n)!;

  it('validates and never calls udevadm', () => {
    expect(checkHardwareProfile(p)).toMatchObject({ ok: true });
    expect(runner.calls.map((c) => c[0]).sort()).toEqual(['ip', 'lsblk']); // ip because enp3s0 is in a bond
    expect(p.notes).toContain(NOTE_NO_UDEV);
  });

  it('reads CPU, memory, KVM, IOMMU and firmware', () => {
    expect(p.cpu).toEqual({
      model: 'AMD Ryzen 5 3600 6-Core Processor',
      vendor: 'AuthenticAMD',
      cores: 2,
      threads: 4,
      virtualization: 'svm',
    });
    expect(p).toMatchObject({
      kvm: { devicePresent: true },
      iommu: { enabled: true, groups: 2 },
      memoryBytes: 32615020 * 1024,
      firmware: 'uefi',
    });
    expect(p.notes).not.toContain(NOTE_NO_VT);
  });

  it('lists whole block devices in name order, skipping unused loop devices', () => {
    expect(p.disks.map((d) => `${d.name}:${d.kind}`)).toEqual([
      'dm-1:dm',
      'loop0:loop',
      'md127:md',
      'nvme0n1:disk',
      'sda:disk',
      'sdb:disk',
      'sdc:disk',
      'sr0:rom',
    ]);
  });

  it('merges lsblk and sysfs facts', () => {
    expect(disk('sda')).toMatchObject({
      sizeBytes: 500107862016,
      model: 'Samsung SSD 870 EVO 500GB',
      serial: 'S6PWNJ0T412345A',
      wwn: '0x5002538f41234567',
      vendor: 'ATA',
      transport: 'sata',
      rotational: false,
    });
    expect(disk('sdc')).toMatchObject({
      sizeBytes: 7814037168 * 512,
      model: 'WDC WD40EFRX-68N32N0',
      serial: 'WD-WCC7K0ABC123',
      wwn: '0x50014ee2b1a0c001',
      transport: 'sata',
      rotational: true,
    });
    expect(disk('nvme0n1')).toMatchObject({
      transport: 'nvme',
      serial: 'S5GXNX0T123456X',
      wwn: 'eui.002538b121b2c3d4',
    });
    expect(disk('sr0')).toMatchObject({
      logicalSectorSize: 2048,
      transport: 'sata',
      removable: true,
    });
  });

  it('marks the USB stick as the boot medium and the LVM disk as in use', () => {
    expect(p.disks.filter((d) => d.isBootMedium).map((d) => d.name)).toEqual(['sdb']);
    expect(disk('sda').mountpoints).toEqual(['/mnt/old root']);
    expect(isInstallTarget(disk('sda'))).toBe('in use (mounted at /mnt/old root)');
    expect(installTargets(p.disks).map((d) => d.name)).toEqual(['nvme0n1', 'sdc']);
  });

  it('derives the udev keys filters use', () => {
    expect(disk('sda').udev).toMatchObject({
      DEVNAME: '/dev/sda',
      DEVTYPE: 'disk',
      MAJOR: '8',
      MINOR: '0',
      SUBSYSTEM: 'block',
      ID_BUS: 'ata',
      ID_MODEL: 'Samsung_SSD_870_EVO_500GB',
      ID_SERIAL: 'Samsung_SSD_870_EVO_500GB_S6PWNJ0T412345A',
      ID_SERIAL_SHORT: 'S6PWNJ0T412345A',
      ID_WWN: '0x5002538f41234567',
      ID_PATH: 'pci-0000:00:17.0-ata-1.0',
      ID_PART_TABLE_TYPE: 'gpt',
    });
    expect(disk('sdb').udev).toMatchObject({
      ID_BUS: 'usb',
      ID_VENDOR: 'SanDisk',
      ID_SERIAL: 'SanDisk_Cruzer_Blade_4C530001230815116133-0:0',
      ID_FS_LABEL: 'OPENVE',
      ID_FS_TYPE: 'iso9660',
      ID_PATH: 'pci-0000:00:14.0-usb-0:2:1.0-scsi-0:0:0:0',
    });
    expect(disk('nvme0n1').udev).toMatchObject({
      ID_BUS: 'nvme',
      ID_MODEL: 'Samsung_SSD_980_PRO_1TB',
      ID_PATH: 'pci-0000:01:00.0-nvme-1',
    });
    expect(disk('sr0').udev).toMatchObject({ ID_CDROM: '1' });
  });

  it('lists physical NICs only, with link, speed, driver and permanent MAC', () => {
    expect(p.nics.map((n) => [n.name, n.mac, n.driver, n.link, n.speedMbps])).toEqual([
      ['eno1', 'e4:54:e8:5a:12:34', 'e1000e', true, 1000],
      ['enp2s0', 'ac:1f:6b:01:02:04', 'igb', false, null],
      ['enp3s0', 'ac:1f:6b:01:02:06', 'igb', true, null],
    ]);
    expect(p.nics[0]!.udev).toMatchObject({
      INTERFACE: 'eno1',
      ID_NET_DRIVER: 'e1000e',
      ID_NET_NAME_MAC: 'enxe454e85a1234',
      ID_NET_NAME_PATH: 'enp0s31f6',
      ID_PATH: 'pci-0000:00:1f.6',
      ID_VENDOR_ID: '0x8086',
      ID_BUS: 'pci',
    });
    expect(p.notes).toContain(
      'enp2s0 is administratively down: link state unknown until it is brought up (detect --bring-up)',
    );
    expect(runner.calls.some((c) => c.includes('set'))).toBe(false);
  });

  it('prints a summary with marks and no warning', () => {
    const text = formatProfile(p);
    expect(text).toMatch(/sdb .*not a target: boot medium/);
    expect(text).toMatch(
      /nvme0n1 +931\.5 GiB +Samsung SSD 980 PRO 1TB +S5GXNX0T123456X +nvme +ssd +target/,
    );
    expect(text).not.toContain('WARNING');
  });
});

describe('detectHardware --bring-up', () => {
  it('brings down NICs up and reads the link that appears', async () => {
    const root = liveMachine();
    const nicDir = join(root, 'sys/devices/pci0000:00/0000:02:00.0/net/enp2s0');
    // the cable is plugged in: carrier appears once the interface is up
    const runner = replay(outputs, (argv) => {
      if (argv.join(' ') === 'ip link set dev enp2s0 up') {
        writeFileSync(join(nicDir, 'carrier'), '1\n');
        writeFileSync(join(nicDir, 'speed'), '1000\n');
      }
    });
    const p = await detectHardware(runner, { sys: hostReader(root), linkWaitMs: 2000 });
    expect(runner.calls.filter((c) => c[2] === 'set')).toEqual([
      ['ip', 'link', 'set', 'dev', 'enp2s0', 'up'],
    ]);
    expect(p.nics.find((n) => n.name === 'enp2s0')).toMatchObject({ link: true, speedMbps: 1000 });
    expect(p.notes).toContain('brought enp2s0 up to read the link state');
  });

  it('gives up after the wait when no cable is plugged in', async () => {
    const runner = replay(outputs);
    const started = performance.now();
    const p = await detectHardware(runner, { sys: hostReader(liveMachine()), linkWaitMs: 300 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(p.nics.find((n) => n.name === 'enp2s0')).toMatchObject({ link: false, speedMbps: null });
  });
});

describe('detectHardware with an old lsblk', () => {
  it('falls back to -O when lsblk does not know a column', async () => {
    const calls: string[][] = [];
    const runner: CommandRunner = {
      async run(argv) {
        calls.push([...argv]);
        const old = argv[0] === 'lsblk' && argv.includes('-o');
        const stdout = old
          ? ''
          : argv[0] === 'lsblk'
            ? raw('lsblk-util-linux-2.32.json')
            : argv[0] === 'ip'
              ? raw('ip-link-live.json')
              : '';
        return {
          argv: [...argv],
          exitCode: old ? 1 : 0,
          stdout,
          stderr: old ? 'lsblk: unknown column: MOUNTPOINTS' : '',
          durationMs: 0,
        };
      },
    };
    const p = await detectHardware(runner, { sys: hostReader(liveMachine()) });
    expect(calls.filter((c) => c[0] === 'lsblk').map((c) => c.slice(1, 3))).toEqual([
      ['-J', '-b'],
      ['-J', '-O'],
    ]);
    expect(p.disks.find((d) => d.name === 'sda')).toMatchObject({
      serial: 'WD-WCC7K0ABC123',
      rotational: true,
    }); // from the old lsblk's rows
  });
});

describe('detectHardware where udev runs', async () => {
  const runner = replay(outputs);
  const p = await detectHardware(runner, {
    sys: hostReader(liveMachine({ '/run/udev/control': '' })),
  });

  it('asks udevadm once for every disk and NIC and uses its properties', () => {
    const udevCalls = runner.calls.filter((c) => c[0] === 'udevadm');
    expect(udevCalls).toHaveLength(2);
    const [disks, nics] = udevCalls.sort((a, b) => a[3]!.localeCompare(b[3]!));
    expect(disks!.slice(0, 3)).toEqual(['udevadm', 'info', '--query=property']);
    expect(disks!.slice(3).sort()).toEqual([
      '/dev/dm-1',
      '/dev/loop0',
      '/dev/md127',
      '/dev/nvme0n1',
      '/dev/sda',
      '/dev/sdb',
      '/dev/sdc',
      '/dev/sr0',
    ]);
    expect(nics!.slice(3).sort()).toEqual([
      '/sys/class/net/eno1',
      '/sys/class/net/enp2s0',
      '/sys/class/net/enp3s0',
    ]);
    const sda = p.disks.find((d) => d.name === 'sda')!;
    expect(sda.udev.ID_PART_TABLE_UUID).toBe('2f6a0c1e-7d4b-4a57-9d0e-4b1a8c3e2f10');
    expect(p.nics[0]!.udev.ID_VENDOR_FROM_DATABASE).toBe('Intel Corporation');
    expect(p.notes).not.toContain(NOTE_NO_UDEV);
    expect(checkHardwareProfile(p)).toMatchObject({ ok: true });
  });
});

describe('detectHardware on a machine without VT-x and without lsblk', async () => {
  const root = buildRoot({
    '/proc/cpuinfo':
      'processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Atom(TM) CPU D525   @ 1.80GHz\nflags\t\t: fpu lm\n',
    '/proc/meminfo': 'MemTotal: 4021976 kB\n',
    '/proc/mounts': '/dev/sr0 /run/live/medium iso9660 ro 0 0\n',
    '/sys/firmware/acpi/tables/DMAR': '',
    ...blockDevice(
      '/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda',
      blockAttrs(234441648, { major: 8, minor: 0, name: 'sda' }),
    ),
    ...blockDevice(
      '/devices/pci0000:00/0000:00:1f.2/ata2/host1/target1:0:0/1:0:0:0/block/sr0',
      blockAttrs(618496, { rm: '1', lbs: '2048', major: 11, minor: 0, name: 'sr0' }),
    ),
  });
  const runner = replay({});
  const calls = runner.calls;
  const p = await detectHardware(runner, { sys: hostReader(root) });

  it('reports the missing virtualization as notes, not a failure', () => {
    expect(p.cpu.virtualization).toBeNull();
    expect(p.kvm.devicePresent).toBe(false);
    expect(p.notes).toEqual(
      expect.arrayContaining([
        NOTE_NO_VT,
        '/dev/kvm is missing',
        'IOMMU present (ACPI DMAR) but not enabled: PCI passthrough needs intel_iommu=on',
      ]),
    );
    expect(p.notes.some((n) => n.startsWith('lsblk failed'))).toBe(true);
    expect(formatProfile(p)).toContain('WARNING   KVM virtual machines will not run');
  });

  it('still finds disks, the CD boot medium and BIOS firmware from sysfs alone', () => {
    expect(p.firmware).toBe('bios');
    expect(p.disks.map((d) => [d.name, d.kind, d.transport, d.isBootMedium, d.sizeBytes])).toEqual([
      ['sda', 'disk', 'sata', false, 234441648 * 512],
      ['sr0', 'rom', 'sata', true, 618496 * 512],
    ]);
    expect(p.nics).toEqual([]);
  });

  it('does not run ip when no NIC is in a bond', () => {
    expect(calls.filter((c) => c[0] === 'ip')).toEqual([]);
    expect(checkHardwareProfile(p)).toMatchObject({ ok: true });
  });
});

describe('detectHardware on this machine', () => {
  it('returns a profile that validates, without root-only features', async () => {
    const started = performance.now();
    const p = await detectHardware();
    const ms = performance.now() - started;
    const check = checkHardwareProfile(p);
    expect(check.ok ? [] : check.issues).toEqual([]);
    expect(p.cpu.threads).toBeGreaterThan(0);
    expect(p.memoryBytes).toBeGreaterThan(0);
    expect(p.disks.length).toBeGreaterThan(0);
    if (!existsSync('/run/udev/control')) expect(p.notes).toContain(NOTE_NO_UDEV);
    expect(ms).toBeLessThan(5000);
  });
});
