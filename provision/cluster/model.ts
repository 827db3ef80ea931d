// The cluster as data: what the master changes (add / remove a node) and pushes to every member.
// Pure functions; each node renders its own corosync.conf from it (node-local paths differ).
import { UserError } from '../../lib/errors.ts';
import type { ClusterConfig } from '../../contracts/cluster.ts';
import {
  parseIp,
  validateCertFingerprint,
  validateClusterName as answerClusterName,
  validateHostIp,
  validateHostname,
  validateToken,
  type Validator,
} from '../../contracts/answers/validators.ts';

// the nodelist's types: one definition, in contracts/cluster.ts (the wire schema)
export type { ClusterConfig, ClusterNode } from '../../contracts/cluster.ts';

export const DEFAULT_TOKEN_MS = 1000;
/** Throws `field: message` when the answer file's own validator refuses the value. */
function check(value: string, field: string, validator: Validator): string {
  const problem = validator(value);
  if (problem) throw new UserError({ path: field, message: problem });
  return value;
}

// The answer file's validators (one definition per rule): what `[cluster]` accepts, pveca accepts.
export const validateClusterName = (name: string, field = 'cluster.name'): string =>
  check(name, field, answerClusterName);

export const validateNodeName = (name: string, field = 'node name'): string =>
  check(name, field, validateHostname);

/** A unicast host address; returned in canonical form (so '10.0.0.05'-style duplicates cannot slip in). */
export function validateAddress(address: string, field = 'address'): string {
  check(address, field, validateHostIp);
  return parseIp(address)!.toString();
}

export const validateJoinToken = (token: string, field = '--token'): string =>
  check(token, field, validateToken);

export const validateFingerprint = (fp: string, field = '--fingerprint'): string =>
  check(fp, field, validateCertFingerprint);

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
