// Checks that relate several fields of the raw answer file. They run on the raw (alias-resolved)
// TOML data even when the schema found problems, so one run reports everything; each check only
// looks at fields that have the right type (wrong types are the schema's to report).
// Mirrors Proxmox's verify_* functions (auto-installer utils.rs, installer-types answer.rs).
import { BTRFS_MIN_DISKS as RAID_MIN, btrfsNeeds } from '../../contracts/answers/raid.ts';
import type { Issue } from '../../lib/errors.ts';
import * as v from '../../contracts/answers/validators.ts';
import { UDEV_PROPERTY } from '../../contracts/answers/schema.ts';
import { globProblem } from './glob.ts';
import { formatPath, type PathSegment } from './paths.ts';

type Table = Record<string, unknown>;

function isTable(x: unknown): x is Table {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Date);
}
const table = (x: unknown): Table | undefined => (isTable(x) ? x : undefined);
const str = (t: Table | undefined, k: string): string | undefined =>
  typeof t?.[k] === 'string' ? (t[k] as string) : undefined;
const num = (t: Table | undefined, k: string): number | undefined =>
  typeof t?.[k] === 'number' && Number.isFinite(t[k]) ? (t[k] as number) : undefined;
const has = (t: Table | undefined, k: string): boolean => t !== undefined && t[k] !== undefined;

export const ZFS_NOT_SUPPORTED =
  'zfs is not supported yet; use btrfs RAID (filesystem = "btrfs", btrfs.raid = ...) or LVM (ext4/xfs)';

/** Minimum number of disks per btrfs RAID level (Proxmox: BtrfsRaidLevel::get_min_disks). */
const BTRFS_MIN_DISKS: Readonly<Record<string, number>> = RAID_MIN;
export { BTRFS_MIN_DISKS };

export function crossCheck(raw: Table): Issue[] {
  const issues: Issue[] = [];
  const add = (path: PathSegment[], message: string) =>
    issues.push({ path: formatPath(path), message });
  checkGlobal(table(raw.global), add);
  checkNetwork(table(raw.network), add);
  checkDisks(table(raw['disk-setup']), add);
  checkFirstBoot(table(raw['first-boot']), add);
  checkCluster(table(raw.cluster), table(raw.network), add);
  return issues;
}

type Add = (path: PathSegment[], message: string) => void;

function checkGlobal(g: Table | undefined, add: Add): void {
  if (!g) return;
  const plain = has(g, 'root-password');
  const hashed = has(g, 'root-password-hashed');
  if (plain && hashed) {
    add(['global'], 'root-password and root-password-hashed cannot both be set; keep one');
  } else if (!plain && !hashed) {
    add(
      ['global', 'root-password'],
      "required: set root-password (>= 8 characters) or root-password-hashed (a crypt hash from 'mkpasswd -m yescrypt')",
    );
  }
  const fqdn = table(g.fqdn);
  const domain = str(fqdn, 'domain');
  if (domain) {
    const problem = v.validateDomain(domain);
    if (problem) add(['global', 'fqdn', 'domain'], problem);
  }
}

function checkFilter(path: PathSegment[], filter: unknown, add: Add): void {
  const t = table(filter);
  if (!t) return;
  for (const [key, glob] of Object.entries(t)) {
    const globIssue = typeof glob === 'string' ? globProblem(glob) : null;
    if (globIssue) add([...path, key], `invalid glob: ${globIssue}`);
    if (!UDEV_PROPERTY.test(key)) {
      add([...path, key], 'not a udev property name (letters, digits and _ only, e.g. ID_SERIAL)');
    } else if (key !== key.toUpperCase()) {
      add(
        [...path, key],
        `udev property names are upper case (did you mean '${key.toUpperCase()}'?)`,
      );
    }
  }
}

function checkNetwork(n: Table | undefined, add: Add): void {
  if (!n) return;
  const source = str(n, 'source') ?? 'from-dhcp';
  if (source === 'from-answer') {
    const examples: Record<string, string> = {
      cidr: 'cidr = "192.168.1.10/24"',
      gateway: 'gateway = "192.168.1.1"',
      dns: 'dns = "192.168.1.1"',
    };
    for (const key of ['cidr', 'gateway', 'dns']) {
      if (!has(n, key))
        add(['network', key], `required with source = "from-answer" (e.g. ${examples[key]})`);
    }
    const cidr = str(n, 'cidr');
    const gateway = str(n, 'gateway');
    if (cidr && gateway) {
      const problem = v.validateGateway(gateway, cidr);
      if (problem) add(['network', 'gateway'], problem);
    }
  } else if (source === 'from-dhcp') {
    for (const key of ['cidr', 'gateway', 'dns']) {
      if (has(n, key))
        add(
          ['network', key],
          'only used with source = "from-answer"; remove it or set network.source = "from-answer"',
        );
    }
  }
  checkFilter(['network', 'filter'], n.filter, add);

  const bond = table(n.bond);
  if (bond) {
    checkFilter(['network', 'bond', 'filter'], bond.filter, add);
    const f = table(bond.filter);
    if (f && Object.keys(f).length === 0)
      add(
        ['network', 'bond', 'filter'],
        'must select the bond members, e.g. filter.ID_NET_NAME = "enp1s0f*"',
      );
  }

  const pinning = table(n['interface-name-pinning']);
  const mapping = table(pinning?.mapping);
  // checked even when pinning is disabled: a name in the file never reaches /etc/network/interfaces unchecked
  if (mapping) {
    const byName = new Map<string, string>();
    const macs = new Map<string, string>();
    for (const [mac, name] of Object.entries(mapping)) {
      const path = ['network', 'interface-name-pinning', 'mapping', mac];
      const macProblem = v.validateMac(mac);
      if (macProblem) add(path, macProblem);
      const lower = mac.toLowerCase();
      if (!macProblem && macs.has(lower))
        add(path, `MAC address is mapped twice (also as '${macs.get(lower)}')`);
      macs.set(lower, mac);
      if (typeof name !== 'string') continue;
      const nameProblem = v.validateInterfaceName(name);
      if (nameProblem) add(path, nameProblem);
      else if (byName.has(name))
        add(path, `interface name '${name}' is already used for '${byName.get(name)}'`);
      byName.set(name, mac);
    }
  }
}

function checkDisks(d: Table | undefined, add: Add): void {
  if (!d) return;
  const fs = str(d, 'filesystem');
  const list = Array.isArray(d['disk-list']) ? (d['disk-list'] as unknown[]) : undefined;
  const filter = table(d.filter);
  const hasList = (list?.length ?? 0) > 0;
  const hasFilter = filter !== undefined && Object.keys(filter).length > 0;

  if (fs === 'zfs') add(['disk-setup', 'filesystem'], ZFS_NOT_SUPPORTED);

  if (hasList && hasFilter) {
    add(['disk-setup'], 'disk-list and filter cannot both be set; use one of them');
  } else if (
    !hasList &&
    !hasFilter &&
    (d['disk-list'] === undefined || Array.isArray(d['disk-list'])) &&
    (d.filter === undefined || filter)
  ) {
    add(
      ['disk-setup'],
      'set either disk-list (e.g. disk-list = ["sda"]) or filter (e.g. filter.ID_SERIAL = "S2HR*")',
    );
  }
  checkFilter(['disk-setup', 'filter'], d.filter, add);

  const seen = new Map<string, number>();
  list?.forEach((entry, i) => {
    if (typeof entry !== 'string') return;
    const disk = v.diskKernelName(entry);
    const first = seen.get(disk);
    if (first !== undefined)
      add(['disk-setup', 'disk-list', i], `'${disk}' is listed twice (also disk-list[${first}])`);
    else seen.set(disk, i);
  });
  const diskCount = seen.size;

  if (fs === 'ext4' || fs === 'xfs') {
    for (const other of ['btrfs', 'zfs']) {
      if (has(d, other))
        add(
          ['disk-setup', other],
          `${other} options are only used with filesystem = "${other}" (filesystem is "${fs}"); use lvm.* options`,
        );
    }
    if (hasList && list!.length > 1) {
      add(
        ['disk-setup', 'disk-list'],
        `${fs} on LVM uses exactly one disk (got ${list!.length}); for several disks use filesystem = "btrfs" with btrfs.raid`,
      );
    }
    const lvm = table(d.lvm);
    const swap = num(lvm, 'swapsize');
    const hdsize = num(lvm, 'hdsize');
    if (swap !== undefined && hdsize !== undefined && swap > hdsize / 2) {
      add(
        ['disk-setup', 'lvm', 'swapsize'],
        `${swap} GiB cannot be greater than ${hdsize / 2} GiB (lvm.hdsize / 2)`,
      );
    }
  } else if (fs === 'btrfs') {
    for (const other of ['lvm', 'zfs']) {
      if (has(d, other)) {
        add(
          ['disk-setup', other],
          `${other} options are not used with filesystem = "btrfs"; use btrfs.* options`,
        );
      }
    }
    const btrfs = table(d.btrfs);
    const raid = str(btrfs, 'raid')?.toLowerCase();
    if (!has(btrfs, 'raid')) {
      add(
        ['disk-setup', 'btrfs', 'raid'],
        'required with filesystem = "btrfs": raid0, raid1 or raid10',
      );
    } else if (
      raid &&
      BTRFS_MIN_DISKS[raid] !== undefined &&
      hasList &&
      diskCount < BTRFS_MIN_DISKS[raid]!
    ) {
      add(
        ['disk-setup', 'disk-list'],
        `${btrfsNeeds(raid.toUpperCase(), BTRFS_MIN_DISKS[raid]!)}, got ${diskCount}`,
      );
    }
  }
}

function checkFirstBoot(f: Table | undefined, add: Add): void {
  if (!f) return;
  if (str(f, 'source') === 'from-url' && !has(f, 'url')) {
    add(
      ['first-boot', 'url'],
      'required with source = "from-url" (the URL of the executable to run at first boot)',
    );
  }
  if (str(f, 'source') === 'from-iso') {
    // as with cidr + DHCP: a setting that would be silently ignored is an error
    for (const key of ['url', 'cert-fingerprint']) {
      if (has(f, key))
        add(
          ['first-boot', key],
          'only used with source = "from-url"; remove it or set first-boot.source = "from-url"',
        );
    }
  }
}

function checkCluster(c: Table | undefined, network: Table | undefined, add: Add): void {
  if (!c) return;
  const mode = str(c, 'mode');
  if (mode === 'create') {
    if (!has(c, 'name'))
      add(['cluster', 'name'], 'required with mode = "create" (1-15 letters, digits and -)');
    for (const key of ['master', 'members', 'fingerprint']) {
      if (has(c, key)) add(['cluster', key], 'only used with mode = "join"');
    }
  } else if (mode === 'join') {
    if (!has(c, 'master'))
      add(['cluster', 'master'], 'required with mode = "join" (IP address of a cluster member)');
    if (!has(c, 'token'))
      add(
        ['cluster', 'token'],
        'required with mode = "join" (the pre-shared token of the cluster)',
      );
    if (has(c, 'name')) add(['cluster', 'name'], 'only used with mode = "create"');
    const own = str(network, 'source') === 'from-answer' ? str(network, 'cidr') : undefined;
    const ownCidr = own ? v.parseCidr(own)?.address : undefined;
    const ownIp = ownCidr ? unmapped(ownCidr) : undefined;
    const master = str(c, 'master');
    if (master) checkMemberAddress(['cluster', 'master'], master, ownIp, add);
    const members = c.members;
    if (!Array.isArray(members)) return;
    // the same address twice (or the master again) is a typo for another member
    const seen = new Map<string, string>();
    const masterIp = master ? v.parseIp(master) : null;
    if (masterIp) seen.set(unmapped(masterIp).toNormalizedString(), 'master');
    members.forEach((m, i) => {
      if (typeof m !== 'string') return;
      const path: PathSegment[] = ['cluster', 'members', i];
      const parsed = v.parseIp(m);
      if (!parsed) return; // the schema names the malformed address
      const key = unmapped(parsed).toNormalizedString();
      const first = seen.get(key);
      if (first !== undefined) {
        add(path, `'${m}' is already listed as ${first}; each member once`);
        return;
      }
      seen.set(key, `members[${i}]`);
      checkMemberAddress(path, m, ownIp, add);
    });
  }
}

type Ip = NonNullable<ReturnType<typeof v.parseIp>>;

/** '::ffff:192.168.1.5' is 192.168.1.5 (an IPv4-mapped IPv6 address): compare and judge the IPv4 one. */
function unmapped(ip: Ip): Ip {
  return 'isIPv4MappedAddress' in ip && ip.isIPv4MappedAddress() ? ip.toIPv4Address() : ip;
}

const RANGE_WORDS: Record<string, string> = { linkLocal: 'link-local', loopback: 'loopback' };

/** A member to join through: not this node itself, not an address only this node can reach. */
function checkMemberAddress(
  path: PathSegment[],
  address: string,
  ownIp: Ip | undefined,
  add: Add,
): void {
  const parsed = v.parseIp(address);
  if (!parsed) return;
  const ip = unmapped(parsed);
  if (
    ownIp &&
    ip.kind() === ownIp.kind() &&
    ip.toNormalizedString() === ownIp.toNormalizedString()
  ) {
    add(
      path,
      `'${address}' is this node's own address (network.cidr); a node joins another member: give that member's address, or use mode = "create"`,
    );
  } else if (ip.range() === 'loopback' || ip.range() === 'linkLocal') {
    add(
      path,
      `'${address}' is a ${RANGE_WORDS[ip.range()] ?? ip.range()} address; give the address of another cluster member on the network`,
    );
  }
}
