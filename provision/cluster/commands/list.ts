// `pveca -l`: the cluster's nodes with their corosync membership.
import { quorumNeeded, type ClusterConfig } from '../model.ts';
import type { QuorumStatus } from '../status.ts';
import type { ClusterState } from '../state.ts';
import { requireCluster, type ClusterContext } from './context.ts';

export interface NodeView {
  nodeid: number;
  name: string;
  address: string;
  role: 'master' | 'node';
  online: boolean;
  local: boolean;
}

export interface ClusterView {
  cluster: string;
  configVersion: number;
  corosyncRunning: boolean;
  quorate: boolean;
  votes: { total: number; expected: number; quorum: number };
  nodes: NodeView[];
}

export function clusterView(
  config: ClusterConfig,
  state: ClusterState,
  status: QuorumStatus,
): ClusterView {
  const online = new Set(status.members);
  // the master is the oldest member (the creator, nodeid 1, until it leaves): every node agrees
  const masterId = Math.min(...config.nodes.map((n) => n.nodeid));
  return {
    cluster: config.clusterName,
    configVersion: config.configVersion,
    corosyncRunning: status.running,
    quorate: status.quorate,
    votes: {
      total: status.totalVotes ?? online.size,
      expected: status.expectedVotes ?? config.nodes.length,
      quorum: status.quorum ?? quorumNeeded(config.nodes.length),
    },
    nodes: [...config.nodes]
      .sort((a, b) => a.nodeid - b.nodeid)
      .map((n) => ({
        nodeid: n.nodeid,
        name: n.name,
        address: n.address,
        role: n.nodeid === masterId ? 'master' : 'node',
        online: online.has(n.nodeid),
        local: n.name === state.nodeName,
      })),
  };
}

export async function listCluster(ctx: ClusterContext): Promise<ClusterView> {
  const { config, state } = requireCluster(ctx.paths);
  return clusterView(config, state, await ctx.control.quorum());
}

export function formatView(view: ClusterView): string {
  const rows = view.nodes.map((n) => [
    String(n.nodeid),
    n.name + (n.local ? ' (local)' : ''),
    n.address,
    n.role,
    n.online ? 'online' : 'offline',
  ]);
  const head = ['Nodeid', 'Name', 'Address', 'Role', 'Status'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const quorum = view.corosyncRunning
    ? `${view.quorate ? 'quorate' : 'NOT quorate'} (${view.votes.total} of ${view.votes.expected} votes, ${view.votes.quorum} needed)`
    : 'unknown: corosync is not running on this node';
  return [
    `Cluster: ${view.cluster} (config version ${view.configVersion})`,
    `Quorum:  ${quorum}`,
    '',
    line(head),
    ...rows.map(line),
  ].join('\n');
}
