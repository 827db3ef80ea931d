// One line describing validated answers, e.g.
// `node1.example.com, ext4 on disk-list [sda], network from-answer 10.0.0.5/24`. No secrets.
import type { Answers } from '../../contracts/answers/types.ts';

export function summarizeAnswers(a: Answers): string {
  const name =
    a.global.fqdn.source === 'from-answer'
      ? a.global.fqdn.value
      : `fqdn from-dhcp${a.global.fqdn.domain ? ` (domain ${a.global.fqdn.domain})` : ''}`;
  const d = a.disk;
  const fs = d.filesystem === 'btrfs' ? `btrfs ${d.btrfs.raid ?? ''}`.trim() : d.filesystem;
  const where =
    d.selection.kind === 'list'
      ? `disk-list [${d.selection.disks.join(', ')}]`
      : `filter ${Object.entries(d.selection.filter)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')} (match ${d.selection.match})`;
  const n = a.network;
  const net =
    n.source === 'from-answer' ? `network from-answer ${n.cidr ?? ''}`.trim() : 'network from-dhcp';
  const parts = [name, `${fs} on ${where}`, net];
  if (n.vlan !== undefined) parts.push(`vlan ${n.vlan}`);
  if (n.bond) parts.push(`bond ${n.bond.mode}`);
  if (a.cluster)
    parts.push(
      a.cluster.mode === 'create'
        ? `cluster create ${a.cluster.name}`
        : `cluster join ${a.cluster.master}${a.cluster.members?.length ? ` (or ${a.cluster.members.join(', ')})` : ''}`,
    );
  return parts.join(', ');
}
