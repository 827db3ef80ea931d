// `pveca leave` (or `pveca -d THIS_NODE`): this node takes itself out of the cluster. It stops its
// corosync first (the others see it go and keep quorum), tells every other member the nodelist
// without it (they reload corosync), then removes its corosync.conf, authkey, token and
// cluster.json and stops its cluster service, so it can create or join a cluster again.
import { UserError } from '../../../lib/errors.ts';
import { removalKeepsQuorum, removeNode } from '../model.ts';
import { describeUnreachable, newestSnapshot, pushConfig, unreachableMembers } from '../push.ts';
import { readAuthkey, removeClusterFiles } from '../state.ts';
import { requireCluster, type ClusterContext } from './context.ts';

export interface LeaveResult {
  left: string;
  cluster: string;
  /** the nodelist version the others now have (undefined: this was the last node) */
  configVersion?: number;
  /** the others had already removed this node (`pveca -d` while it was down) */
  alreadyRemoved: boolean;
  unreachable: string[];
}

const FIELD = 'pveca leave';

export async function leaveCluster(ctx: ClusterContext, force = false): Promise<LeaveResult> {
  const { paths, control } = ctx;
  const { state } = requireCluster(paths);
  let { config } = requireCluster(paths);
  const authkey = readAuthkey(paths);
  // the others may know a newer nodelist (this node may have been removed while it was down)
  const newest = await newestSnapshot(state, authkey, config);
  if (newest && newest.config.configVersion > config.configVersion) config = newest.config;
  const self = config.nodes.find((n) => n.name === state.nodeName);
  const base = { left: state.nodeName, cluster: config.clusterName };

  let result: LeaveResult;
  if (!self) {
    await control.stopCorosync();
    result = {
      ...base,
      configVersion: config.configVersion,
      alreadyRemoved: true,
      unreachable: [],
    };
  } else if (config.nodes.length === 1) {
    await control.stopCorosync();
    result = { ...base, alreadyRemoved: false, unreachable: [] };
  } else {
    const status = await control.quorum();
    const online = new Set(status.members);
    if (!force && !status.quorate)
      throw new UserError({
        path: FIELD,
        message: `this node is not quorate: the others could not agree on the new nodelist (--force leaves anyway)`,
      });
    if (!force && !removalKeepsQuorum(config, state.nodeName, online))
      throw new UserError({
        path: FIELD,
        message: `the others would lose quorum without this node (${online.size} online of ${config.nodes.length}); bring nodes back or use --force`,
      });
    const next = removeNode(config, state.nodeName);
    const missing = await unreachableMembers(state, authkey, next, [], online);
    if (!force && missing.length)
      throw new UserError({
        path: FIELD,
        message: `${describeUnreachable(missing, state.port)} (or --force)`,
      });
    await control.stopCorosync();
    const members = { ...state.members };
    delete members[state.nodeName];
    // this node's corosync is stopped: the receivers run `corosync-cfgtool -R`
    const unreachable = await pushConfig(state, authkey, { config: next, members }, [], true);
    result = { ...base, configVersion: next.configVersion, alreadyRemoved: false, unreachable };
  }
  removeClusterFiles(paths);
  await control.stopService();
  return result;
}

export function formatLeave(r: LeaveResult): string {
  const how = r.alreadyRemoved
    ? `the others had already removed it (config version ${r.configVersion})`
    : r.configVersion === undefined
      ? 'it was the last node'
      : `the others now have config version ${r.configVersion}`;
  const warn = r.unreachable.length
    ? `\nwarning: could not tell ${r.unreachable.join(', ')}; run 'pveca -d ${r.left}' on a member`
    : '';
  return `${r.left} left cluster '${r.cluster}': ${how}; corosync stopped, its configuration removed${warn}`;
}
