// `pveca -d NODE`: remove a node from the nodelist, push it to every member, reload corosync.
import { UserError } from '../../../installer/errors.ts';
import { removalKeepsQuorum, removeNode } from '../model.ts';
import { describeUnreachable, pushConfig, unreachableMembers } from '../push.ts';
import { queryQuorum } from '../status.ts';
import { readAuthkey, writeClusterConfig, writeState } from '../state.ts';
import { requireCluster, type ClusterContext } from './context.ts';

export interface RemoveResult {
  removed: string;
  configVersion: number;
  unreachable: string[];
}

export async function removeClusterNode(
  ctx: ClusterContext,
  name: string,
  force = false,
): Promise<RemoveResult> {
  const { config, state } = requireCluster(ctx.paths);
  if (state.role !== 'master') {
    throw new UserError({
      path: 'pveca -d',
      message: `run this on the master ${state.master.name} (${state.master.address})`,
    });
  }
  if (name === state.nodeName)
    throw new UserError({
      path: 'pveca -d',
      message: `'${name}' is the master; it cannot remove itself`,
    });
  const target = config.nodes.find((n) => n.name === name);
  if (!target) {
    throw new UserError({
      path: 'pveca -d',
      message: `no node '${name}' in cluster '${config.clusterName}' (members: ${config.nodes.map((n) => n.name).join(', ')})`,
    });
  }
  const status = await queryQuorum(ctx.runner);
  const online = new Set(status.members);
  if (!force && online.has(target.nodeid)) {
    throw new UserError({
      path: 'pveca -d',
      message: `node '${name}' is online: stop corosync on it first (or --force)`,
    });
  }
  if (!force && !removalKeepsQuorum(config, name, online)) {
    throw new UserError({
      path: 'pveca -d',
      message: `removing '${name}' would lose quorum (${online.size} online of ${config.nodes.length}); bring nodes back or use --force`,
    });
  }
  const next = removeNode(config, name);
  const authkey = readAuthkey(ctx.paths);
  const missing = await unreachableMembers(state, authkey, next);
  if (!force && missing.length)
    throw new UserError({
      path: 'pveca -d',
      message: `${describeUnreachable(missing, state.port)} (or --force)`,
    });
  const members = { ...state.members };
  delete members[name];
  const fresh = { ...state, members };
  writeState(ctx.paths, fresh);
  writeClusterConfig(ctx.paths, next);
  const unreachable = await pushConfig(fresh, authkey, next);
  await ctx.control.reloadCorosync();
  return { removed: name, configVersion: next.configVersion, unreachable };
}
