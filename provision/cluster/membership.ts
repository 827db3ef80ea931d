// What the node manager needs to know about this node's cluster: the current nodelist (from
// corosync.conf), each member's node certificate fingerprint (cluster.json) and this node's TLS
// material for the managers' mutual TLS (the cluster CA and the node certificate it signed).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { nodePaths } from '../paths.ts';
import { readClusterConfig, readState } from './state.ts';

export interface MemberNode {
  nodeid: number;
  name: string;
  address: string;
  /** SHA-256 fingerprint of its node certificate (absent: the cluster has no CA yet) */
  nodeCert?: string;
}

export interface Membership {
  clusterName: string;
  /** this node's name in the cluster */
  self: string;
  nodes: MemberNode[];
  /** PEM: the cluster CA, this node's certificate and key; absent before `pveca --upgrade-ca` */
  tls?: { ca: string; cert: string; key: string };
}

/** This node's membership below `root` (/ on a node), or undefined when it is in no cluster. */
export function readMembership(root = '/'): Membership | undefined {
  const paths = nodePaths(root);
  const state = readState(paths);
  const config = state ? readClusterConfig(paths) : undefined;
  if (!state || !config) return undefined;
  const tlsFiles = [paths.caCert, paths.nodeCert, paths.nodeKey];
  return {
    clusterName: config.clusterName,
    self: state.nodeName,
    nodes: config.nodes.map((n) => {
      const nodeCert = state.members?.[n.name]?.nodeCert;
      return { ...n, ...(nodeCert ? { nodeCert } : {}) };
    }),
    ...(tlsFiles.every((f) => existsSync(f))
      ? {
          tls: {
            ca: readFileSync(paths.caCert, 'utf8'),
            cert: readFileSync(paths.nodeCert, 'utf8'),
            key: readFileSync(paths.nodeKey, 'utf8'),
          },
        }
      : {}),
  };
}

/** Changes whenever readMembership would answer differently (mtimes of the files it reads). */
export function membershipStamp(root = '/'): string {
  const p = nodePaths(root);
  return [p.clusterJson, p.corosyncConf, p.caCert, p.nodeCert, p.nodeKey]
    .map((f) => {
      try {
        const s = statSync(f);
        return `${s.mtimeMs}:${s.size}:${s.ino}`;
      } catch {
        return '-';
      }
    })
    .join('|');
}
