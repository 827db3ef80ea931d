// Answers and hardware built in code for planner unit tests (independent of the TOML parser).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Answers } from '../../../contracts/answers/types.ts';
import type { DiskInfo, HardwareProfile, NicInfo } from '../../../contracts/hardware/types.ts';

export const FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../fixtures/hardware',
);
export const fixtureNames = (): string[] =>
  readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .sort();
export const fixture = (name: string): HardwareProfile =>
  JSON.parse(
    readFileSync(path.join(FIXTURES, name.endsWith('.json') ? name : `${name}.json`), 'utf8'),
  ) as HardwareProfile;

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K];
};

export function answers(
  over: {
    global?: Partial<Answers['global']>;
    network?: Partial<Answers['network']>;
    disk?: Partial<Answers['disk']>;
  } & Partial<Pick<Answers, 'firstBoot' | 'webhook' | 'cluster'>> = {},
): Answers {
  const a: Answers = {
    global: {
      keyboard: 'en-us',
      country: 'us',
      fqdn: { source: 'from-answer', value: 'node1.openve.lan' },
      mailto: 'admin@openve.lan',
      timezone: 'Europe/Vienna',
      rootPassword: { kind: 'plain', value: 'passw0rd-fixture' },
      rootSshKeys: [],
      rebootOnError: false,
      rebootMode: 'reboot',
      ...over.global,
    },
    network: {
      source: 'from-dhcp',
      filter: {},
      pinning: { enabled: null, mapping: {} },
      ...over.network,
    },
    disk: {
      filesystem: 'ext4',
      selection: { kind: 'list', disks: ['sda'] },
      lvm: {},
      btrfs: {},
      ...over.disk,
    },
  };
  if (over.firstBoot) a.firstBoot = over.firstBoot;
  if (over.webhook) a.webhook = over.webhook;
  if (over.cluster) a.cluster = over.cluster;
  return a;
}

export const GiB = 1024 ** 3;

export function disk(name: string, sizeBytes: number, over: DeepPartial<DiskInfo> = {}): DiskInfo {
  return {
    name,
    path: `/dev/${name}`,
    kind: 'disk',
    sizeBytes,
    logicalSectorSize: 512,
    model: `Model ${name}`,
    serial: `SER-${name}`,
    wwn: null,
    vendor: 'ATA',
    rotational: false,
    removable: false,
    readOnly: false,
    transport: 'sata',
    isBootMedium: false,
    udev: { ID_MODEL: `Model_${name}`, ID_SERIAL_SHORT: `SER-${name}` },
    ...(over as Partial<DiskInfo>),
  };
}

export function nic(name: string, mac: string, over: Partial<NicInfo> = {}): NicInfo {
  return {
    name,
    mac,
    driver: 'e1000e',
    link: true,
    speedMbps: 1000,
    udev: { ID_NET_NAME_MAC: `enx${mac.replace(/:/g, '')}`, ID_NET_DRIVER: 'e1000e' },
    ...over,
  };
}

export function machine(over: Partial<HardwareProfile> = {}): HardwareProfile {
  return {
    cpu: { model: 'Test CPU', vendor: 'GenuineIntel', cores: 4, threads: 8, virtualization: 'vmx' },
    kvm: { devicePresent: true },
    iommu: { enabled: false, groups: 0 },
    memoryBytes: 16 * GiB,
    firmware: 'uefi',
    disks: [disk('sda', 500 * 1000 ** 3)],
    nics: [nic('eno1', '52:54:00:12:34:56')],
    notes: [],
    ...over,
  };
}
