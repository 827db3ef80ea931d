// The cluster as data: what the master changes (add / remove a node) and pushes to every member.
// Pure functions; each node renders its own corosync.conf from it (node-local paths differ).
import ipaddr from 'ipaddr.js';
import { UserError } from '../../lib/errors.ts';

export interface ClusterNode {
  nodeid: number;
  name: string;
  /** ring0_addr: the IP corosync (knet) uses for this node */
  address: string;
}

export interface ClusterConfig {
  clusterName: string;
  configVersion: number;
  /** totem.token in ms (docs/design.md §5: 1000 -> a dead node is seen gone in ~3.5 s) */
  tokenMs: number;
  nodes: ClusterNode[];
}

export const DEFAULT_TOKEN_MS = 1000;
const CLUSTER_NAME = /^[A-Za-z][A-Za-z0-9-]{0,14}$/;
const NODE_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function validateClusterName(name: string, field = 'cluster.name'): string {
  if (!CLUSTER_NAME.test(name)) {
    throw new UserError({
      path: field,
      message: `'${name}' is not a valid cluster name: 1-15 characters, letters, digits and '-', starting with a letter`,
    });
  }
  return name;
}

export function validateNodeName(name: string, field = 'node name'): string {
  if (!NODE_NAME.test(name)) {
    throw new UserError({
      path: field,
      message: `'${name}' is not a valid node name: a host name label (letters, digits, '-', at most 63)`,
    });
  }
  return name;
}

export function validateAddress(address: string, field = 'address'): string {
  if (!ipaddr.isValid(address)) {
    throw new UserError({
      path: field,
      message: `'${address}' is not an IP address (IPv4 like 10.0.0.5 or IPv6)`,
    });
  }
  return ipaddr.parse(address).toString();
}

export function newCluster(
  clusterName: string,
  first: { name: string; address: string },
  tokenMs = DEFAULT_TOKEN_MS,
): ClusterConfig {
  return {
    clusterName: validateClusterName(clusterName),
    configVersion: 1,
    tokenMs,
    nodes: [
      { nodeid: 1, name: validateNodeName(first.name), address: validateAddress(first.address) },
    ],
  };
}

export type JoinRefusal = 'name-clash' | 'already-member' | 'address-clash';

export class ClusterChangeError extends Error {
  readonly code: JoinRefusal | 'unknown-node' | 'would-lose-quorum' | 'node-online' | 'is-master';
  constructor(code: ClusterChangeError['code'], message: string) {
    super(message);
    this.name = 'ClusterChangeError';
    this.code = code;
  }
}

/** The config with `node` added (next free nodeid, config_version + 1), or why not. */
export function addNode(
  config: ClusterConfig,
  node: { name: string; address: string },
): ClusterConfig {
  const name = validateNodeName(node.name);
  const address = validateAddress(node.address);
  const byName = config.nodes.find((n) => n.name === name);
  if (byName && byName.address === address) {
    throw new ClusterChangeError(
      'already-member',
      `node '${name}' (${address}) is already a member of cluster '${config.clusterName}' (nodeid ${byName.nodeid})`,
    );
  }
  if (byName) {
    throw new ClusterChangeError(
      'name-clash',
      `node name '${name}' is already used by ${byName.address} in cluster '${config.clusterName}': choose another name`,
    );
  }
  const byAddress = config.nodes.find((n) => n.address === address);
  if (byAddress) {
    throw new ClusterChangeError(
      'address-clash',
      `address ${address} already belongs to node '${byAddress.name}' in cluster '${config.clusterName}'`,
    );
  }
  const nodeid = Math.max(0, ...config.nodes.map((n) => n.nodeid)) + 1;
  return {
    ...config,
    configVersion: config.configVersion + 1,
    nodes: [...config.nodes, { nodeid, name, address }],
  };
}

export function removeNode(config: ClusterConfig, name: string): ClusterConfig {
  if (!config.nodes.some((n) => n.name === name)) {
    throw new ClusterChangeError(
      'unknown-node',
      `no node '${name}' in cluster '${config.clusterName}' (members: ${config.nodes.map((n) => n.name).join(', ')})`,
    );
  }
  return {
    ...config,
    configVersion: config.configVersion + 1,
    nodes: config.nodes.filter((n) => n.name !== name),
  };
}

/** votes needed for quorum with `total` one-vote nodes, as votequorum computes it (two_node: 1 of 2). */
export function quorumNeeded(total: number): number {
  if (total === 2) return 1; // two_node
  return Math.floor(total / 2) + 1;
}

/** Would the cluster stay quorate if `name` were removed, given who is online now? */
export function removalKeepsQuorum(
  config: ClusterConfig,
  name: string,
  online: ReadonlySet<number>,
): boolean {
  const remaining = config.nodes.filter((n) => n.name !== name);
  const onlineAfter = remaining.filter((n) => online.has(n.nodeid)).length;
  return onlineAfter >= quorumNeeded(remaining.length);
}
