// `pveca -i`: this node's place in the cluster.
import { UserError } from '../../../lib/errors.ts';
import { requireCluster, type ClusterContext } from './context.ts';
import { clusterView, type ClusterView, type NodeView } from './list.ts';
import type { ClusterState } from '../state.ts';

export interface InfoView extends NodeView {
  cluster: string;
  quorate: boolean;
  corosyncRunning: boolean;
  master: { name: string; address: string; fingerprint: string };
  fingerprint: string;
}

export async function nodeInfo(ctx: ClusterContext): Promise<InfoView> {
  const { config, state } = requireCluster(ctx.paths);
  const view = clusterView(config, state, await ctx.control.quorum());
  const self = view.nodes.find((n) => n.local);
  if (!self)
    throw new UserError({
      path: 'pveca -i',
      message: `this node ('${state.nodeName}') is no longer in the nodelist of cluster '${config.clusterName}'; 'pveca leave' cleans up`,
    });
  return {
    ...self,
    cluster: view.cluster,
    quorate: view.quorate,
    corosyncRunning: view.corosyncRunning,
    master: masterOf(view, state),
    fingerprint: state.fingerprint,
  };
}

export function formatInfo(i: InfoView): string {
  return [
    `Node:        ${i.name} (nodeid ${i.nodeid}, ${i.address})`,
    `Cluster:     ${i.cluster}`,
    `Role:        ${i.role}`,
    `Status:      ${i.online ? 'online' : 'offline'}${i.corosyncRunning ? '' : ' (corosync not running)'}`,
    `Quorate:     ${i.quorate ? 'yes' : 'no'}`,
    `Master:      ${i.master.name} (${i.master.address})`,
    `Certificate: ${i.fingerprint}`,
  ].join('\n');
}

function masterOf(view: ClusterView, state: ClusterState): InfoView['master'] {
  const m = view.nodes.find((n) => n.role === 'master');
  if (!m) return state.master;
  return {
    name: m.name,
    address: m.address,
    fingerprint: state.members?.[m.name]?.fingerprint ?? state.master.fingerprint,
  };
}
