// The node every golden case is checked against: an installed node (v2 cgroups, TCG).
import type { NodeFacts } from '../../../contracts/manager/guest.ts';

export const goldenNode: NodeFacts = {
  name: 'node1',
  accel: 'qemu',
  storages: [
    { id: 'local-lvm', type: 'lvmthin', vg: 'openve', pool: 'data' },
    { id: 'local', type: 'dir', path: '/var/lib/openve' },
  ],
  isos: ['debian-13.iso'],
  isoDir: '/var/lib/openve/iso',
  bridges: ['vmbr0'],
  templates: ['busybox', 'debian-13-standard.tar.zst'],
  templateDir: '/var/lib/openve/templates',
  lxcPath: '/var/lib/lxc',
  cgroup: 'v2',
  emulator: '/usr/bin/qemu-system-x86_64',
};
