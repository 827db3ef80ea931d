// `pveca -d NODE` on any quorate member: remove another node (down) from the nodelist, push it to
// every member, reload corosync. A node takes itself out with `pveca leave` (leave.ts).
import { UserError } from '../../../lib/errors.ts';
import { refreshLibvirtMembers } from '../libvirtTls.ts';
import { removalKeepsQuorum, removeNode, validateNodeName } from '../model.ts';
import { describeUnreachable, pushConfig, pushConfigTo, unreachableMembers } from '../push.ts';
import { readAuthkey, writeClusterConfig, writeState } from '../state.ts';
import { requireCluster, type ClusterContext } from './context.ts';

export interface RemoveResult {
  removed: string;
  configVersion: number;
  unreachable: string[];
  /** the removed node got the new nodelist and cleans itself up (it was reachable) */
  cleaned: boolean;
}

export async function removeClusterNode(
  ctx: ClusterContext,
  name: string,
  force = false,
): Promise<RemoveResult> {
  const { config, state } = requireCluster(ctx.paths);
  validateNodeName(name, 'pveca -d');
  if (name === state.nodeName)
    throw new UserError({
      path: 'pveca -d',
      message: `'${name}' is this node: to take it out of the cluster run 'pveca leave'`,
    });
  const target = config.nodes.find((n) => n.name === name);
  if (!target) {
    throw new UserError({
      path: 'pveca -d',
      message: `no node '${name}' in cluster '${config.clusterName}' (members: ${config.nodes.map((n) => n.name).join(', ')})`,
    });
  }
  const status = await ctx.control.quorum();
  const online = new Set(status.members);
  if (!force && !status.quorate)
    throw new UserError({
      path: 'pveca -d',
      message: `this node is not quorate (corosync ${status.running ? 'not quorate' : 'not running'}): run it on a quorate member (or --force)`,
    });
  if (!force && online.has(target.nodeid)) {
    throw new UserError({
      path: 'pveca -d',
      message: `node '${name}' is online: run 'pveca leave' on it, or stop corosync there first (or --force)`,
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
  const missing = await unreachableMembers(state, authkey, next, [], online);
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
  // the removed node too (pinned by its entry in the old state): a node removed while online
  // (--force) stops its corosync and drops its cluster files and certificates itself
  const [unreachable, notCleaned] = await Promise.all([
    pushConfig(fresh, authkey, { config: next, members }),
    pushConfigTo(state, authkey, { config: next, members }, [target]),
  ]);
  // libvirtd here stops accepting the removed node's certificate (the others do on the push);
  // before the corosync reload, which may fail with the cluster changed anyway
  await refreshLibvirtMembers(
    ctx.paths,
    ctx.control,
    { name: state.nodeName, address: state.address },
    next.nodes.map((n) => n.name),
    ctx.out,
  );
  await ctx.control.reloadCorosync();
  return {
    removed: name,
    configVersion: next.configVersion,
    unreachable,
    cleaned: notCleaned.length === 0,
  };
}
