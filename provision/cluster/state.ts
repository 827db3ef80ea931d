// /etc/openve/cluster.json and the other files a cluster node keeps (all below the node's root).
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { clusterStateSchema, type ClusterState } from '../../contracts/cluster.ts';
import { ContractError, parseJson } from '../../contracts/json.ts';
import { UserError } from '../../lib/errors.ts';
import { writeFileAtomic } from '../../lib/fs.ts';
import { isRooted, type NodePaths } from '../paths.ts';
import { parseCorosyncConf, renderCorosyncConf } from './corosyncConf.ts';
import type { ClusterConfig } from './model.ts';

export const DEFAULT_PORT = 8007;

export type { ClusterState };
export { writeFileAtomic };

export function readState(paths: NodePaths): ClusterState | undefined {
  if (!existsSync(paths.clusterJson)) return undefined;
  const text = readFileSync(paths.clusterJson, 'utf8');
  try {
    return parseJson(clusterStateSchema, text, paths.clusterJson);
  } catch (err) {
    if (!(err instanceof ContractError)) throw err;
    throw new UserError({
      path: paths.clusterJson,
      message: `not a pveca state file (${err.field || 'file'}: ${err.detail}); move it away to start over`,
    });
  }
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

/** Every file that makes this node a member (what `pveca leave` and a removal delete). */
export function removeClusterFiles(paths: NodePaths): void {
  for (const file of [
    paths.corosyncConf,
    paths.authkey,
    paths.token,
    paths.caKey,
    paths.caCert,
    paths.nodeKey,
    paths.nodeCert,
    paths.clusterJson,
  ])
    rmSync(file, { force: true });
}

export function writeAuthkey(paths: NodePaths, key: Uint8Array): void {
  writeFileAtomic(paths.authkey, key, 0o400);
}

export function readAuthkey(paths: NodePaths): Buffer {
  return readFileSync(paths.authkey);
}
