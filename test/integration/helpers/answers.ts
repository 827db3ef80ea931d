// Answer files for the integration tests (the fixture password must never reach disk in clear).
export const FIXTURE_PASSWORD = 'passw0rd-fixture';
export const TEST_SSH_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBLl3gRBqlxyVxW7Vdn6MiLhQfW6u2ujWlkwp5MbtPjM openve-it@test';

export function answerToml(opts: {
  filesystem: 'ext4' | 'xfs' | 'btrfs';
  disks: string[];
  raid?: 'raid0' | 'raid1' | 'raid10';
  firstBoot?: boolean;
}): string {
  const disk =
    opts.filesystem === 'btrfs'
      ? `[disk-setup]\nfilesystem = "btrfs"\ndisk-list = [${opts.disks.map((d) => `"${d}"`).join(', ')}]\nbtrfs.raid = "${opts.raid ?? 'raid1'}"\n`
      : `[disk-setup]\nfilesystem = "${opts.filesystem}"\ndisk-list = [${opts.disks.map((d) => `"${d}"`).join(', ')}]\n`;
  return `[global]
keyboard = "en-us"
country = "at"
fqdn = "it-node.example.test"
mailto = "root@example.test"
timezone = "Europe/Vienna"
root-password = "${FIXTURE_PASSWORD}"
root-ssh-keys = ["${TEST_SSH_KEY}"]

[network]
source = "from-answer"
cidr = "192.0.2.10/24"
gateway = "192.0.2.1"
dns = "192.0.2.1"

${disk}
${opts.firstBoot === false ? '' : '[first-boot]\nsource = "from-iso"\nordering = "network-online"\n'}`;
}

/** The smallest valid answer: DHCP network, ext4 on vda (for tests that only move answers around). */
export const MINIMAL_DHCP_ANSWER = `[global]
keyboard = "en-us"
country = "us"
fqdn = "node1.example.test"
mailto = "root@example.test"
timezone = "UTC"
root-password = "${FIXTURE_PASSWORD}"

[network]
source = "from-dhcp"

[disk-setup]
filesystem = "ext4"
disk-list = ["vda"]
`;
