import { describe, expect, test } from 'vitest';
import { planNetwork, pinnedNames } from '../../../installer/plan/network.ts';
import { buildPlan } from '../../../installer/plan/buildPlan.ts';
import { formatPlan } from '../../../installer/plan/format.ts';
import type { NetworkAnswers } from '../../../contracts/answers/types.ts';
import { answers, fixture, machine, nic } from './helpers.ts';

const net = (over: Partial<NetworkAnswers> = {}): NetworkAnswers =>
  answers({ network: over }).network;
const STATIC = {
  source: 'from-answer',
  cidr: '192.168.10.20/24',
  gateway: '192.168.10.1',
  dns: '192.168.10.1',
} as const;

function file(plan: ReturnType<typeof buildPlan>, path: string): string {
  if (!plan.ok) throw new Error(JSON.stringify(plan.issues));
  for (const s of plan.value.steps)
    if (s.kind === 'write-files') for (const f of s.files) if (f.path === path) return f.content;
  throw new Error(`no ${path}`);
}

describe('management NIC', () => {
  const hw = fixture('ten-disks'); // eno1 (link), eno2, enp24s0f0 (link), enp24s0f1
  test('no filter: first NIC with link', () => {
    const r = planNetwork(
      net(),
      machine({
        nics: [nic('eth0', '52:54:00:00:00:01', { link: false }), nic('eth1', '52:54:00:00:00:02')],
      }),
    );
    expect(r.ok && r.value.nic.name).toBe('eth1');
  });
  test('no link anywhere: first NIC, with a warning', () => {
    const r = planNetwork(net(), fixture('no-link'));
    expect(r.ok && r.value.nic.name).toBe('eno1');
    expect(r.ok && r.value.warnings).toEqual([
      'The management interface eno1 has no link (cable unplugged?): the node may be unreachable after the install.',
    ]);
  });
  test('filter picks by udev glob', () => {
    const r = planNetwork(net({ filter: { ID_NET_DRIVER: 'igb' } }), hw);
    expect(r.ok && r.value.nic.name).toBe('enp24s0f0');
  });
  test('filter matching nothing lists every NIC', () => {
    const r = planNetwork(net({ filter: { ID_NET_DRIVER: 'mlx5*' } }), hw);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues[0]!.path).toBe('network.filter');
    expect(r.issues[0]!.message).toBe(
      '(ID_NET_DRIVER="mlx5*") matches no network interface; network interfaces on this machine:\n' +
        '  eno1 (ac:1f:6b:aa:00:01, ixgbe, link up 10000 Mb/s)\n' +
        '  eno2 (ac:1f:6b:aa:00:02, ixgbe, no link)\n' +
        '  enp24s0f0 (b4:96:91:10:20:30, igb, link up 1000 Mb/s)\n' +
        '  enp24s0f1 (b4:96:91:10:20:31, igb, no link)',
    );
  });
});

describe('pinning', () => {
  test('mapped names win; the rest get nicN, skipping taken names', () => {
    const nics = [
      nic('eno1', 'aa:00:00:00:00:01'),
      nic('eno2', 'aa:00:00:00:00:02'),
      nic('eno3', 'aa:00:00:00:00:03'),
    ];
    const names = pinnedNames(
      net({ pinning: { enabled: true, mapping: { 'aa:00:00:00:00:02': 'nic0' } } }),
      nics,
    );
    expect([...names.values()]).toEqual(['nic1', 'nic0', 'nic2']);
  });
  test('link files and interfaces use the pinned name', () => {
    const plan = buildPlan(
      answers({
        network: {
          ...STATIC,
          filter: {},
          pinning: { enabled: true, mapping: { 'e4:54:e8:5a:12:34': 'mgmt0' } },
        },
      }),
      fixture('single-sata'),
    );
    expect(file(plan, '/etc/systemd/network/50-openve-mgmt0.link')).toContain(
      'MACAddress=e4:54:e8:5a:12:34\nType=ether\n\n[Link]\nName=mgmt0\n',
    );
    expect(file(plan, '/etc/network/interfaces')).toContain('\tbridge-ports mgmt0\n');
  });
});

describe('pinning by default (issue 10: a shifted PCI slot renamed the NIC, the node lost its network)', () => {
  const linkFiles = (plan: ReturnType<typeof buildPlan>): string[] => {
    if (!plan.ok) throw new Error(JSON.stringify(plan.issues));
    return plan.value.steps.flatMap((s) =>
      s.kind === 'write-files'
        ? s.files.filter((f) => f.path.startsWith('/etc/systemd/network/')).map((f) => f.path)
        : [],
    );
  };
  test('without pinning in the answer, the management NIC keeps its name by MAC', () => {
    const plan = buildPlan(answers(), fixture('ten-disks'));
    expect(linkFiles(plan)).toEqual(['/etc/systemd/network/50-openve-eno1.link']);
    expect(file(plan, '/etc/systemd/network/50-openve-eno1.link')).toContain(
      '[Match]\nMACAddress=ac:1f:6b:aa:00:01\nType=ether\n\n[Link]\nName=eno1\n',
    );
    expect(plan.ok && plan.value.summary.pins).toEqual([
      { name: 'eno1', mac: 'ac:1f:6b:aa:00:01' },
    ]);
    expect(plan.ok && plan.value.summary.pinsFrom).toBe('default');
    // the name itself does not change: interfaces still bridges eno1
    expect(file(plan, '/etc/network/interfaces')).toContain('\tbridge-ports eno1\n');
  });
  test('`enabled = false` in the answer pins nothing (not even the management NIC)', () => {
    const plan = buildPlan(
      answers({ network: { pinning: { enabled: false, mapping: {} } } }),
      fixture('ten-disks'),
    );
    expect(linkFiles(plan)).toEqual([]);
    expect(plan.ok && plan.value.summary.pins).toEqual([]);
    expect(plan.ok && formatPlan(plan.value)).not.toMatch(/pinned to MAC/);
    expect(file(plan, '/etc/network/interfaces')).toContain('\tbridge-ports eno1\n');
  });
  test('a bond pins every member, not the other NICs', () => {
    const plan = buildPlan(
      answers({
        network: {
          ...STATIC,
          bond: { mode: '802.3ad', filter: { ID_NET_DRIVER: 'ixgbe' } },
          filter: {},
        },
      }),
      fixture('ten-disks'),
    );
    expect(linkFiles(plan)).toEqual([
      '/etc/systemd/network/50-openve-eno1.link',
      '/etc/systemd/network/50-openve-eno2.link',
    ]);
  });
  test('kernel names (eth0) are not pinned: a .link file must not rename into that namespace', () => {
    const r = planNetwork(net(), machine({ nics: [nic('eth0', '52:54:00:00:00:01')] }));
    expect(r.ok && r.value.pins).toEqual([]);
  });
  test('pinning in the answer replaces the default: every NIC, answer names', () => {
    const plan = buildPlan(
      answers({ network: { pinning: { enabled: true, mapping: {} } } }),
      fixture('ten-disks'),
    );
    expect(plan.ok && plan.value.summary.pinsFrom).toBe('answer');
    expect(plan.ok && plan.value.summary.pins.map((p) => p.name)).toEqual([
      'nic0',
      'nic1',
      'nic2',
      'nic3',
    ]);
  });
  test('plan output says which NIC is pinned', () => {
    const plan = buildPlan(answers(), fixture('ten-disks'));
    if (!plan.ok) throw new Error('plan');
    expect(formatPlan(plan.value)).toContain(
      'NIC eno1 pinned to MAC ac:1f:6b:aa:00:01 (keeps its name if its PCI slot changes)',
    );
  });
});

describe('/etc/network/interfaces', () => {
  test('static: address on vmbr0, like Proxmox', () => {
    const plan = buildPlan(
      answers({ network: { ...STATIC, filter: {}, pinning: { enabled: null, mapping: {} } } }),
      fixture('single-sata'),
    );
    expect(file(plan, '/etc/network/interfaces')).toBe(
      [
        '# network interface settings; written by the openve installer (ifupdown2).',
        "# vmbr0 is the bridge guests attach to; the node's management address lives on vmbr0.",
        '',
        'auto lo',
        'iface lo inet loopback',
        '',
        'iface eno1 inet manual',
        '',
        'auto vmbr0',
        'iface vmbr0 inet static',
        '\taddress 192.168.10.20/24',
        '\tgateway 192.168.10.1',
        '\tbridge-ports eno1',
        '\tbridge-stp off',
        '\tbridge-fd 0',
        '',
        '',
        'source /etc/network/interfaces.d/*',
        '',
      ].join('\n'),
    );
    expect(file(plan, '/etc/resolv.conf')).toBe('search openve.lan\nnameserver 192.168.10.1\n');
    expect(file(plan, '/etc/hosts')).toContain('\n192.168.10.20 node1.openve.lan node1\n');
  });
  test('dhcp', () => {
    const plan = buildPlan(answers(), fixture('single-sata'));
    const text = file(plan, '/etc/network/interfaces');
    expect(text).toContain('iface vmbr0 inet dhcp\n\tbridge-ports eno1\n');
    expect(text).not.toContain('\taddress');
    expect(file(plan, '/etc/hosts')).toContain('\n127.0.1.1 node1.openve.lan node1\n');
  });
  test('IPv6 uses inet6', () => {
    const plan = buildPlan(
      answers({
        network: {
          source: 'from-answer',
          cidr: '2001:db8::10/64',
          gateway: '2001:db8::1',
          dns: '2001:db8::53',
          filter: {},
          pinning: { enabled: null, mapping: {} },
        },
      }),
      fixture('single-sata'),
    );
    expect(file(plan, '/etc/network/interfaces')).toContain(
      'iface vmbr0 inet6 static\n\taddress 2001:db8::10/64\n',
    );
  });
  test('vlan: vlan-aware vmbr0, address on vmbr0.<vid>', () => {
    const plan = buildPlan(
      answers({
        network: { ...STATIC, vlan: 42, filter: {}, pinning: { enabled: null, mapping: {} } },
      }),
      fixture('single-sata'),
    );
    const text = file(plan, '/etc/network/interfaces');
    expect(text).toContain(
      'iface vmbr0 inet manual\n\tbridge-ports eno1\n\tbridge-stp off\n\tbridge-fd 0\n\tbridge-vlan-aware yes\n\tbridge-vids 2-4094\n\nauto vmbr0.42\niface vmbr0.42 inet static\n\taddress 192.168.10.20/24\n',
    );
    expect(file(plan, '/etc/openve/node.json')).toContain('"managementInterface": "vmbr0.42"');
  });
  test('bond: members by filter, 802.3ad with a hash policy, bridged by vmbr0', () => {
    const plan = buildPlan(
      answers({
        network: {
          ...STATIC,
          bond: { mode: '802.3ad', filter: { ID_NET_DRIVER: 'ixgbe' } },
          filter: {},
          pinning: { enabled: null, mapping: {} },
        },
      }),
      fixture('ten-disks'),
    );
    const text = file(plan, '/etc/network/interfaces');
    expect(text).toContain(
      'iface eno1 inet manual\niface eno2 inet manual\n\nauto bond0\niface bond0 inet manual\n\tbond-slaves eno1 eno2\n\tbond-miimon 100\n\tbond-mode 802.3ad\n\tbond-xmit-hash-policy layer2+3\n',
    );
    expect(text).toContain('\tbridge-ports bond0\n');
    expect(text).toContain('\niface enp24s0f0 inet manual\n\niface enp24s0f1 inet manual\n');
  });
  test('bond filter matching nothing is an error naming network.bond.filter', () => {
    const r = planNetwork(
      net({ bond: { mode: 'active-backup', filter: { ID_NET_DRIVER: 'nope' } } }),
      fixture('ten-disks'),
    );
    expect(r.ok || r.issues[0]!.path).toBe('network.bond.filter');
  });
  test('fqdn from DHCP: hostname, hosts and node.json say so', () => {
    const plan = buildPlan(
      answers({ global: { fqdn: { source: 'from-dhcp', domain: 'lab.example' } } }),
      fixture('single-sata'),
    );
    expect(file(plan, '/etc/hostname')).toMatch(/from DHCP at first boot[\s\S]*\nlocalhost\n$/);
    expect(file(plan, '/etc/hosts')).toContain(
      "# openve: this node's name comes from DHCP at boot",
    );
    expect(file(plan, '/etc/dhcp/dhclient.conf')).toContain('default domain-name "lab.example";\n');
    expect(file(plan, '/etc/openve/node.json')).toContain('"fqdn": null');
    expect(plan.ok && plan.value.summary.fqdn).toBeNull();
  });
  test('fqdn from DHCP with a static network is refused', () => {
    const plan = buildPlan(
      answers({
        global: { fqdn: { source: 'from-dhcp' } },
        network: { ...STATIC, filter: {}, pinning: { enabled: null, mapping: {} } },
      }),
      fixture('single-sata'),
    );
    expect(plan.ok || plan.issues[0]!.path).toBe('global.fqdn');
  });
});
