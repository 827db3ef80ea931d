// /etc/openve/cluster.json and the other files a cluster node keeps (all below the node's root).
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { writeFileAtomic } from '../../lib/fs.ts';
import { clusterStateSchema } from '../../contracts/cluster.ts';
import { parseJson } from '../../contracts/json.ts';
import path from 'node:path';
import { isRooted, type NodePaths } from '../paths.ts';
import { parseCorosyncConf, renderCorosyncConf } from './corosyncConf.ts';
import type { ClusterConfig } from './model.ts';

export const DEFAULT_PORT = 8007;

export interface ClusterState {
  version: 1;
  clusterName: string;
  role: 'master' | 'node';
  nodeName: string;
  address: string;
  /** join-service port on every node */
  port: number;
  master: { name: string; address: string; fingerprint: string };
  /** this node's join-service certificate fingerprint */
  fingerprint: string;
  /** master only: each member's service certificate, pinned when pushing config */
  members?: Record<string, { fingerprint: string }>;
}

export { writeFileAtomic };

export function readState(paths: NodePaths): ClusterState | undefined {
  if (!existsSync(paths.clusterJson)) return undefined;
  return parseJson(clusterStateSchema, readFileSync(paths.clusterJson, 'utf8'), paths.clusterJson);
}

export function writeState(paths: NodePaths, state: ClusterState): void {
  writeFileAtomic(paths.clusterJson, JSON.stringify(state, null, 2) + '\n', 0o600);
}

export function readClusterConfig(paths: NodePaths): ClusterConfig | undefined {
  if (!existsSync(paths.corosyncConf)) return undefined;
  return parseCorosyncConf(readFileSync(paths.corosyncConf, 'utf8'));
}

/** Renders the config with this node's local paths and writes corosync.conf. */
export function writeClusterConfig(paths: NodePaths, config: ClusterConfig): string {
  const rooted = isRooted(paths);
  const text = renderCorosyncConf(config, {
    keyfile: paths.authkey,
    ...(rooted ? { stateDir: paths.corosyncStateDir, logfile: paths.corosyncLog } : {}),
  });
  if (rooted) {
    mkdirSync(paths.corosyncStateDir, { recursive: true });
    mkdirSync(path.dirname(paths.corosyncLog), { recursive: true });
  }
  writeFileAtomic(paths.corosyncConf, text, 0o644);
  return text;
}

export function writeAuthkey(paths: NodePaths, key: Uint8Array): void {
  writeFileAtomic(paths.authkey, key, 0o400);
}

export function readAuthkey(paths: NodePaths): Buffer {
  return readFileSync(paths.authkey);
}
