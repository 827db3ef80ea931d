// Management network: which NIC, its name on the installed system, and the vmbr0 bridge
// (Proxmox's /etc/network/interfaces shape for ifupdown2), plus our bond and VLAN options.
//
// NIC choice: network.filter (udev globs; one entry matching is enough, as in Proxmox) picks the
// first match in natural name order, preferring a match with link; without a filter, the first
// NIC with link, else the first NIC. A filter matching nothing is an error listing every NIC.
// With network.bond, bond0 is made of every NIC matching bond.filter and is vmbr0's port.
// Pinning (docs/design.md §3, as Proxmox): every physical NIC gets a systemd .link file fixing its name by
// MAC; NICs missing from the mapping get `nicN` (N counting up, skipping names already taken).
// Without pinning in the answer (`enabled = false` pins nothing), the management NIC (or every bond member) is still pinned by MAC
// under its current name: a disk or card added or removed shifts PCI slots, so the predictable
// name changes and the node would come up without network (issue 10). Kernel names (ethN) are
// left alone: renaming into the kernel's own namespace races with the kernel.
import ipaddr from 'ipaddr.js';
import type { NetworkAnswers } from '../../contracts/answers/types.ts';
import type { HardwareProfile, NicInfo } from '../../contracts/hardware/types.ts';
import type { Issue, Result } from '../../lib/errors.ts';
import { describeNic } from '../hardware/describe.ts';
import { naturalCompare } from './disks.ts';
import { describeFilter, matchesFilter } from './match.ts';

export interface NetworkPlan {
  /** management NIC (with a bond: its first member) */
  nic: NicInfo;
  /** the interface vmbr0 bridges: the (pinned) NIC name or 'bond0' */
  bridgePort: string;
  bond: { name: 'bond0'; mode: string; members: string[] } | null;
  vlan: number | null;
  /** where the management address lives: 'vmbr0' or 'vmbr0.<vlan>' */
  managementInterface: string;
  method: 'static' | 'dhcp';
  family: 'inet' | 'inet6';
  cidr: string | null;
  address: string | null;
  gateway: string | null;
  dns: string | null;
  /** other physical NICs, by installed name: `iface X inet manual` */
  otherNics: string[];
  /** MAC -> name pins, in name order: every NIC when the answer pins, else the management NIC(s) */
  pins: { mac: string; name: string }[];
  /** the pins are the planner's default (the answer file does not pin) */
  pinsByDefault: boolean;
  warnings: string[];
}

export function nicListing(hardware: HardwareProfile): string {
  if (hardware.nics.length === 0) return 'this machine has no network interfaces';
  return (
    'network interfaces on this machine:\n' +
    sortedNics(hardware)
      .map((n) => `  ${describeNic(n)}`)
      .join('\n')
  );
}

const sortedNics = (hardware: HardwareProfile): NicInfo[] =>
  [...hardware.nics].sort((a, b) => naturalCompare(a.name, b.name));

function fail(
  hardware: HardwareProfile,
  path: string,
  problem: string,
): { ok: false; issues: Issue[] } {
  return { ok: false, issues: [{ path, message: `${problem}; ${nicListing(hardware)}` }] };
}

/** kernel name -> installed name for every NIC (identity when pinning is off; pins go by MAC). */
export function pinnedNames(network: NetworkAnswers, nics: NicInfo[]): Map<string, string> {
  const names = new Map<string, string>();
  if (!network.pinning.enabled) {
    for (const n of nics) names.set(n.name, n.name);
    return names;
  }
  const mapping = new Map(
    Object.entries(network.pinning.mapping).map(([mac, name]) => [mac.toLowerCase(), name]),
  );
  const taken = new Set(mapping.values());
  let next = 0;
  for (const n of nics) {
    const mapped = mapping.get(n.mac.toLowerCase());
    if (mapped) {
      names.set(n.name, mapped);
      continue;
    }
    while (taken.has(`nic${next}`)) next++;
    const name = `nic${next}`;
    taken.add(name);
    names.set(n.name, name);
  }
  return names;
}

/** the kernel's own names (eth0): a .link file must not rename into that namespace */
const KERNEL_NAME = /^eth\d+$/;

/** NICs pinned when the answer does not pin: the management NIC, or every bond member. */
function defaultPinned(
  nics: NicInfo[],
  nic: NicInfo,
  bond: NetworkPlan['bond'],
  nameOf: (n: NicInfo) => string,
): NicInfo[] {
  const members = bond ? nics.filter((n) => bond.members.includes(nameOf(n))) : [nic];
  return members.filter((n) => !KERNEL_NAME.test(n.name) && n.mac !== '');
}

export function planNetwork(
  network: NetworkAnswers,
  hardware: HardwareProfile,
): Result<NetworkPlan> {
  const nics = sortedNics(hardware);
  if (nics.length === 0)
    return fail(hardware, 'network', 'no network interface to manage this node through');
  const warnings: string[] = [];
  const names = pinnedNames(network, nics);
  const nameOf = (n: NicInfo): string => names.get(n.name) ?? n.name;

  if (network.pinning.enabled) {
    const macs = new Set(nics.map((n) => n.mac.toLowerCase()));
    for (const mac of Object.keys(network.pinning.mapping).sort()) {
      if (!macs.has(mac.toLowerCase()))
        warnings.push(
          `network.interface-name-pinning.mapping: no NIC with MAC ${mac} on this machine; that entry is not used.`,
        );
    }
  }

  let nic: NicInfo;
  let bond: NetworkPlan['bond'] = null;
  if (network.bond) {
    const members = nics.filter((n) => matchesFilter(n.udev, network.bond!.filter, 'any'));
    if (members.length === 0) {
      return fail(
        hardware,
        'network.bond.filter',
        `(${describeFilter(network.bond.filter)}) matches no network interface`,
      );
    }
    if (members.length === 1)
      warnings.push(
        `network.bond: only ${members[0]!.name} matches the bond filter; bond0 has a single member.`,
      );
    if (Object.keys(network.filter).length > 0)
      warnings.push(
        'network.filter is not used: with network.bond, bond0 carries the management network.',
      );
    nic = members.find((n) => n.link) ?? members[0]!;
    bond = { name: 'bond0', mode: network.bond.mode, members: members.map(nameOf) };
  } else if (Object.keys(network.filter).length > 0) {
    const matches = nics.filter((n) => matchesFilter(n.udev, network.filter, 'any'));
    if (matches.length === 0)
      return fail(
        hardware,
        'network.filter',
        `(${describeFilter(network.filter)}) matches no network interface`,
      );
    nic = matches.find((n) => n.link) ?? matches[0]!;
  } else {
    nic = nics.find((n) => n.link) ?? nics[0]!;
  }
  if (!nic.link && !(bond && nics.some((n) => n.link && bond!.members.includes(nameOf(n))))) {
    warnings.push(
      `The management interface ${nic.name} has no link (cable unplugged?): the node may be unreachable after the install.`,
    );
  }

  const vlan = network.vlan ?? null;
  const bridgePort = bond ? bond.name : nameOf(nic);
  const managementInterface = vlan === null ? 'vmbr0' : `vmbr0.${vlan}`;
  const inBond = new Set(bond?.members ?? []);
  const otherNics = nics.map(nameOf).filter((name) => name !== bridgePort && !inBond.has(name));
  const pinned =
    network.pinning.enabled === true
      ? nics
      : network.pinning.enabled === null
        ? defaultPinned(nics, nic, bond, nameOf)
        : []; // `enabled = false`: the names stay the kernel's/udev's
  const pins = pinned
    .map((n) => ({ mac: n.mac.toLowerCase(), name: nameOf(n) }))
    .sort((a, b) => naturalCompare(a.name, b.name));
  const pinsByDefault = network.pinning.enabled === null;

  if (network.source === 'from-dhcp') {
    return {
      ok: true,
      value: {
        nic,
        bridgePort,
        bond,
        vlan,
        managementInterface,
        method: 'dhcp',
        family: 'inet',
        cidr: null,
        address: null,
        gateway: null,
        dns: null,
        otherNics,
        pins,
        pinsByDefault,
        warnings,
      },
    };
  }
  const { cidr, gateway, dns } = network;
  if (!cidr || !gateway || !dns) {
    return {
      ok: false,
      issues: [{ path: 'network', message: 'source = "from-answer" needs cidr, gateway and dns' }],
    };
  }
  let address: string;
  let family: 'inet' | 'inet6';
  try {
    const [ip] = ipaddr.parseCIDR(cidr);
    address = ip.toString();
    family = ip.kind() === 'ipv6' ? 'inet6' : 'inet';
  } catch {
    return {
      ok: false,
      issues: [
        {
          path: 'network.cidr',
          message: `'${cidr}' is not an address with prefix length, e.g. 192.168.1.10/24`,
        },
      ],
    };
  }
  return {
    ok: true,
    value: {
      nic,
      bridgePort,
      bond,
      vlan,
      managementInterface,
      method: 'static',
      family,
      cidr,
      address,
      gateway,
      dns,
      otherNics,
      pins,
      pinsByDefault,
      warnings,
    },
  };
}
