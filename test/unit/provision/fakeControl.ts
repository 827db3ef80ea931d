// A ClusterControl that records what it was asked to do (corosync faked).
import type { ClusterControl } from '../../../provision/cluster/control.ts';
import type { QuorumStatus } from '../../../provision/cluster/status.ts';

export function fakeControl(
  calls: string[] = [],
  quorum: () => Promise<QuorumStatus> = async () => ({
    running: false,
    quorate: false,
    members: [],
  }),
): ClusterControl {
  return {
    live: true,
    startCorosync: async () => void calls.push('start corosync'),
    reloadCorosync: async () => void calls.push('reload corosync'),
    stopCorosync: async () => void calls.push('stop corosync'),
    startService: async () => void calls.push('start service'),
    stopService: async () => void calls.push('stop service'),
    quorum,
    libvirtTls: async (restart) =>
      void calls.push(restart ? 'libvirt tls: restart libvirtd' : 'libvirt tls: enable'),
  };
}
