// `pveca -i`: this node's place in the cluster.
import { UserError } from '../../../installer/errors.ts';
import { queryQuorum } from '../status.ts';
import { requireCluster, type ClusterContext } from './context.ts';
import { clusterView, type NodeView } from './list.ts';

export interface InfoView extends NodeView {
  cluster: string;
  quorate: boolean;
  corosyncRunning: boolean;
  master: { name: string; address: string; fingerprint: string };
  fingerprint: string;
}

export async function nodeInfo(ctx: ClusterContext): Promise<InfoView> {
  const { config, state } = requireCluster(ctx.paths);
  const view = clusterView(config, state, await queryQuorum(ctx.runner));
  const self = view.nodes.find((n) => n.local);
  if (!self)
    throw new UserError({
      path: 'pveca -i',
      message: `this node ('${state.nodeName}') is no longer in the nodelist of cluster '${config.clusterName}'`,
    });
  return {
    ...self,
    cluster: view.cluster,
    quorate: view.quorate,
    corosyncRunning: view.corosyncRunning,
    master: state.master,
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
