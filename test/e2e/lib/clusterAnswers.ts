// Answer files and first-boot hook for the two-node cluster e2e (issue 6). Pure.
// Each VM has two NICs: the management NIC (fixed MAC, picked by the answer's network filter) on a
// private QEMU socket network between the two VMs, and the QEMU user-mode NIC (default MAC) that
// only carries the test's SSH; the installer leaves the latter alone, the first-boot hook brings
// it up after the cluster step (ordering fully-up runs after multi-user.target, which waits for
// openve-cluster-init.service), so the master's cluster address is the management one.
export const CLUSTER_NAME = 'lab';
/** pre-shared join token (>= 16 characters); a test fixture, not a secret */
export const CLUSTER_TOKEN = 'e2e-lab-token-0123456789';
export const USER_NIC_MAC = '52:54:00:12:34:56'; // QEMU's default for -nic user
export const USER_NIC_ADDRESS = '10.0.2.15/24';

export interface ClusterNode {
  name: string; // node1 / node2: host label of the FQDN = cluster node name
  fqdn: string;
  address: string; // management address (CIDR without the prefix)
  mac: string; // management NIC
}

export const NODES: readonly [ClusterNode, ClusterNode] = [
  { name: 'node1', fqdn: 'node1.lab.lan', address: '10.99.0.1', mac: '52:54:00:99:00:01' },
  { name: 'node2', fqdn: 'node2.lab.lan', address: '10.99.0.2', mac: '52:54:00:99:00:02' },
];

export function macName(mac: string): string {
  return `enx${mac.replace(/:/g, '').toLowerCase()}`;
}

export function renderClusterAnswer(
  node: ClusterNode,
  role: 'create' | 'join',
  sshPublicKey: string,
  password: string,
): string {
  const cluster =
    role === 'create'
      ? ['mode = "create"', `name = "${CLUSTER_NAME}"`, `token = "${CLUSTER_TOKEN}"`]
      : ['mode = "join"', `master = "${NODES[0].address}"`, `token = "${CLUSTER_TOKEN}"`];
  return [
    '[global]',
    'keyboard = "en-us"',
    'country = "us"',
    `fqdn = "${node.fqdn}"`,
    'mailto = "admin@lab.lan"',
    'timezone = "UTC"',
    `root-password = "${password}"`,
    `root-ssh-keys = [${JSON.stringify(sshPublicKey.trim())}]`,
    'reboot-mode = "reboot"',
    '',
    '[network]',
    'source = "from-answer"',
    `cidr = "${node.address}/24"`,
    'gateway = "10.99.0.254"',
    'dns = "10.99.0.254"',
    `filter.ID_NET_NAME_MAC = "${macName(node.mac)}"`,
    '',
    '[disk-setup]',
    'filesystem = "ext4"',
    'disk-list = ["vda"]',
    'lvm.swapsize = 1',
    '',
    '[first-boot]',
    'source = "from-iso"',
    'ordering = "fully-up"',
    '',
    '[cluster]',
    ...cluster,
    '',
  ].join('\n');
}

export const CLUSTER_HOOK_MARKER = '/var/lib/openve-e2e-first-boot';

/** First-boot hook: configures the user-mode NIC (found by its MAC) for the test's SSH. */
export const CLUSTER_FIRST_BOOT_HOOK = [
  '#!/bin/sh',
  '# openve cluster e2e: bring up the QEMU user-mode NIC so the test can SSH in (hostfwd).',
  'for d in /sys/class/net/*; do',
  `  [ "$(cat "$d/address" 2>/dev/null)" = "${USER_NIC_MAC}" ] || continue`,
  '  n=${d##*/}',
  '  ip link set "$n" up',
  `  ip addr replace ${USER_NIC_ADDRESS} dev "$n"`,
  '  echo "user-mode NIC: $n"',
  'done',
  `echo "first-boot ran $(date -u +%FT%TZ)" > ${CLUSTER_HOOK_MARKER}`,
  '',
].join('\n');
