// [cluster] at first boot: the same code as `pveca -c` / `pveca -a -h`, driven by node.json.
// A joiner keeps retrying the master (it may still be installing) for up to 30 minutes; with
// `members` in node.json it asks those too, in order, so a join works while the master is down.
import type { ClusterContext } from '../cluster/commands/index.ts';
import { createCluster, joinCluster } from '../cluster/commands/index.ts';
import type { NodeConfig } from '../../contracts/node/types.ts';
import type { Logger } from './log.ts';

export const JOIN_RETRY_MS = 30 * 60_000;

/** The node's cluster name: the host label of the answer's FQDN (the system hostname when from DHCP). */
export function nodeNameOf(node: NodeConfig): string | undefined {
  return node.fqdn ? node.fqdn.split('.')[0] : undefined;
}

export async function clusterInit(
  ctx: ClusterContext,
  node: NodeConfig,
  log: Logger,
  retryMs = JOIN_RETRY_MS,
  /** the members' join service port (tests; default 8007) */
  port?: number,
): Promise<boolean> {
  const cluster = node.cluster;
  if (!cluster) return true;
  const nodeName = nodeNameOf(node);
  const named = nodeName ? { nodeName } : {};
  if (cluster.mode === 'create') {
    const r = await createCluster(ctx, {
      clusterName: cluster.name,
      ...named,
      ...(cluster.token ? { token: cluster.token } : {}),
    });
    log(
      `cluster: created '${r.clusterName}' with ${r.nodeName} (${r.address}) as master; ${r.quorate ? 'quorate' : 'NOT quorate'}`,
    );
    // the token is a secret: point at the file instead of printing it
    log(
      `cluster: join token in ${ctx.paths.token} (${cluster.token ? 'pre-shared, from the answer file' : 'generated'}); certificate fingerprint ${r.fingerprint}`,
    );
    return r.quorate;
  }
  log(
    `cluster: joining the cluster of master ${cluster.master}${cluster.members?.length ? ` (or members ${cluster.members.join(', ')})` : ''}${cluster.fingerprint ? ' (certificate pinned)' : ''}`,
  );
  const r = await joinCluster(
    { ...ctx, out: log },
    {
      master: cluster.master,
      ...(cluster.members?.length ? { members: cluster.members } : {}),
      token: cluster.token,
      ...named,
      ...(cluster.fingerprint ? { fingerprint: cluster.fingerprint } : {}),
      retryMs,
      ...(port !== undefined ? { port } : {}),
    },
  );
  log(
    `cluster: ${r.nodeName} joined '${r.clusterName}' as nodeid ${r.nodeid}; ${r.quorate ? `quorate, ${r.members} members` : 'NOT quorate yet'} (${r.seconds} s)`,
  );
  return r.quorate;
}
