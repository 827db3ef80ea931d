// `openve cluster resources`: every node of the cluster and every guest, from any node.
import { ClusterResourcesSchema } from '../../contracts/manager/cluster.ts';
import { parseValue } from '../../contracts/json.ts';
import type { Client } from './client.ts';
import { table } from './format.ts';

export async function clusterCommand(
  c: Client,
  cmd: string | undefined,
  json: boolean,
  out: (text: string) => void,
): Promise<number> {
  if (cmd !== 'resources') {
    out('usage: openve cluster resources [--json]\n');
    return 2;
  }
  const r = parseValue(
    ClusterResourcesSchema,
    await c.request('GET', '/api/v1/cluster/resources'),
    'cluster resources',
  );
  if (json) {
    out(JSON.stringify(r, null, 2) + '\n');
    return 0;
  }
  out(`cluster: ${r.cluster ?? '(none: this node alone)'}\n`);
  out(
    table(
      r.nodes.map((n) => ({
        ...n,
        state: n.online ? 'online' : `OFFLINE${n.error ? ` (${n.error})` : ''}`,
        guests: r.guests.filter((g) => g.node === n.name).length,
      })),
      ['name', 'nodeid', 'address', 'guests', 'lastSeen', 'state'],
    ),
  );
  out('\n');
  out(
    table(
      r.guests.map((g) => ({ ...g, state: g.stale ? `${g.state} (last known)` : g.state })),
      ['id', 'kind', 'node', 'name', 'state'],
    ),
  );
  return 0;
}
