// Answer files for the e2e cases: the example answer, varied by filesystem and network, with the
// test's SSH key. Pure.
export type Filesystem = 'ext4' | 'xfs' | 'btrfs';
export type NetworkMode = 'static' | 'dhcp';

export interface E2eCase {
  name: string;
  firmware: 'bios' | 'uefi';
  filesystem: Filesystem;
  network: NetworkMode;
  /** how the ISO is attached: a CD-ROM (default) or the image written to a USB stick with dd */
  medium?: 'cdrom' | 'usb';
}

export const FQDN = 'node1.openve.lan';
export const ADDRESS = '10.0.2.15'; // QEMU user-mode networking hands out this address by DHCP too

export function caseName(c: Omit<E2eCase, 'name'>): string {
  return `${c.firmware}-${c.filesystem}-${c.network}${c.medium === 'usb' ? '-usb' : ''}`;
}

export function matrix(): E2eCase[] {
  const cases: E2eCase[] = [];
  for (const firmware of ['bios', 'uefi'] as const)
    for (const filesystem of ['ext4', 'xfs', 'btrfs'] as const)
      for (const network of ['static', 'dhcp'] as const)
        cases.push({
          name: caseName({ firmware, filesystem, network }),
          firmware,
          filesystem,
          network,
        });
  return cases;
}

/** The hybrid ISO dd'ed to a USB stick, booted by each firmware (beside the CD-ROM matrix). */
export function usbCases(): E2eCase[] {
  return [
    { firmware: 'bios', filesystem: 'ext4', network: 'dhcp', medium: 'usb' } as const,
    { firmware: 'uefi', filesystem: 'xfs', network: 'static', medium: 'usb' } as const,
  ].map((c) => ({ ...c, name: caseName(c) }));
}

export function disksFor(c: E2eCase): string[] {
  return c.filesystem === 'btrfs' ? ['vda', 'vdb'] : ['vda'];
}

export function renderAnswer(c: E2eCase, sshPublicKey: string, password: string): string {
  const lines = [
    '[global]',
    'keyboard = "en-us"',
    'country = "us"',
    `fqdn = "${FQDN}"`,
    'mailto = "admin@openve.lan"',
    'timezone = "Europe/Vienna"',
    `root-password = "${password}"`,
    `root-ssh-keys = [${JSON.stringify(sshPublicKey.trim())}]`,
    'reboot-mode = "reboot"',
    '',
    '[network]',
  ];
  if (c.network === 'static')
    lines.push(
      'source = "from-answer"',
      `cidr = "${ADDRESS}/24"`,
      'gateway = "10.0.2.2"',
      'dns = "10.0.2.3"',
    );
  else lines.push('source = "from-dhcp"');
  lines.push(
    '',
    '[disk-setup]',
    `filesystem = "${c.filesystem}"`,
    `disk-list = ${JSON.stringify(disksFor(c))}`,
  );
  if (c.filesystem === 'btrfs') lines.push('btrfs.raid = "raid1"');
  else lines.push('lvm.swapsize = 1');
  lines.push('', '[first-boot]', 'source = "from-iso"', 'ordering = "network-online"', '');
  return lines.join('\n');
}

/** The first-boot hook embedded in the ISO: leaves a marker the checks look for. */
export const FIRST_BOOT_HOOK =
  '#!/bin/sh\n# openve e2e: proves the first-boot hook ran on the installed node\necho "first-boot ran $(date -u +%FT%TZ)" > /var/lib/openve-e2e-first-boot\n';
export const FIRST_BOOT_MARKER = '/var/lib/openve-e2e-first-boot';

/** Markers live-start writes to the serial console. */
export const MARKERS = {
  installerStarted: /OPENVE-LIVE: unattended install starting/,
  bench: /OPENVE-BENCH: extract-seconds=([0-9.]+)/,
  installOk: /OPENVE-INSTALL: OK seconds=([0-9.]+)/,
  installFailed: /OPENVE-INSTALL: FAILED[^\n]*/,
} as const;
