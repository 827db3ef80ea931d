// /etc/openve/cluster.json and the other files a cluster node keeps (all below the node's root).
import { mkdirSync, readFileSync, writeFileSync, existsSync, renameSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { isRooted, type NodePaths } from '../paths.ts';
import { parseCorosyncConf, renderCorosyncConf } from './corosyncConf.ts';
import type { ClusterConfig } from './model.ts';
import { membersSchema, type Members } from './protocol.ts';
import { UserError } from '../../installer/errors.ts';
import * as z from 'zod';

export const DEFAULT_PORT = 8007;

const peer = { name: z.string(), address: z.string() };
const stateSchema = z.object({
  version: z.literal(1),
  clusterName: z.string(),
  role: z.enum(['master', 'node']),
  nodeName: z.string(),
  address: z.string(),
  port: z.number().int(),
  master: z.object({ ...peer, fingerprint: z.string() }),
  fingerprint: z.string(),
  members: membersSchema.optional(),
}) satisfies z.ZodType<ClusterState>;

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
  /** every member's service certificate (this node's too), pinned when pushing config */
  members?: Members;
}

/** Writes atomically (temp + rename) with the given mode, creating the directory. */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

export function readState(paths: NodePaths): ClusterState | undefined {
  if (!existsSync(paths.clusterJson)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(paths.clusterJson, 'utf8'));
  } catch {
    json = undefined;
  }
  const r = stateSchema.safeParse(json);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  throw new UserError({
    path: paths.clusterJson,
    message: `not a pveca state file${first ? ` (${first.path.join('.') || 'file'}: ${first.message})` : ''}; move it away to start over`,
  });
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
