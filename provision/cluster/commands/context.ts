// Shared by every verb: the context they run in, where this node is, and the membership guards.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { UserError, type Issue } from '../../../lib/errors.ts';
import type { CommandRunner } from '../../../lib/exec/index.ts';
import { parseIpAddr, parseIpRoute } from '../../../lib/parse/ip.ts';
import type { NodePaths } from '../../paths.ts';
import type { ClusterControl } from '../control.ts';
import type { ClusterConfig } from '../model.ts';
import { readClusterConfig, readState, type ClusterState } from '../state.ts';

export interface ClusterContext {
  paths: NodePaths;
  runner: CommandRunner;
  control: ClusterControl;
  out: (line: string) => void;
}

export const defaultNodeName = (): string => os.hostname().split('.')[0] ?? 'localhost';

/** `ip -j ...` parsed with lib/parse/ip.ts; undefined when ip fails or prints no JSON. */
async function ipJson<T>(
  runner: CommandRunner,
  argv: string[],
  parse: (text: string) => T[],
): Promise<T[] | undefined> {
  const r = await runner.run(argv, { reject: false, timeoutMs: 5000 });
  if (r.exitCode !== 0) return undefined;
  try {
    return parse(r.stdout);
  } catch {
    return undefined;
  }
}

/** This node's cluster address: the source address toward the master, or the first global IPv4. */
export async function detectAddress(
  runner: CommandRunner,
  toward?: string,
  iface?: string,
): Promise<string> {
  if (toward) {
    const routes = await ipJson(runner, ['ip', '-j', 'route', 'get', toward], parseIpRoute);
    const src = routes?.[0]?.prefsrc;
    if (src) return src;
  }
  const argv = ['ip', '-j', 'addr', 'show', 'scope', 'global', ...(iface ? ['dev', iface] : [])];
  let links = await ipJson(runner, argv, parseIpAddr);
  if (iface && !links?.length)
    links = await ipJson(runner, ['ip', '-j', 'addr', 'show', 'scope', 'global'], parseIpAddr);
  const all = (links ?? []).flatMap((l) => l.addrs).filter((a) => a.local);
  const pick = all.find((a) => a.family === 'inet') ?? all.find((a) => a.family === 'inet6');
  if (!pick)
    throw new UserError({
      path: '--address',
      message: 'no global IP address found on this node; pass --address',
    });
  return pick.local;
}

/**
 * Debian's corosync package ships a placeholder corosync.conf (cluster 'debian', one node on
 * 127.0.0.1) and starts corosync with it: that is not a cluster, pveca may replace it.
 */
export function isDistroDefault(config: ClusterConfig): boolean {
  return (
    config.clusterName === 'debian' &&
    config.nodes.length <= 1 &&
    config.nodes.every((n) => n.address === '127.0.0.1')
  );
}

export function refuseIfMember(paths: NodePaths): void {
  const state = readState(paths);
  if (state) {
    throw new UserError({
      path: '',
      message: `this node is already a member of cluster '${state.clusterName}' (${paths.clusterJson} exists); remove it from that cluster first`,
    });
  }
  let existing: ClusterConfig | undefined;
  try {
    existing = readClusterConfig(paths);
  } catch {
    existing = undefined;
  }
  if (existsSync(paths.corosyncConf) && !(existing && isDistroDefault(existing))) {
    throw new UserError({
      path: '',
      message: `${paths.corosyncConf} exists and was not written by pveca${existing ? ` (cluster '${existing.clusterName}')` : ''}; move it away to create or join a cluster`,
    });
  }
}

export function requireCluster(paths: NodePaths): { config: ClusterConfig; state: ClusterState } {
  const config = readClusterConfig(paths);
  const state = readState(paths);
  if (!config || !state) {
    throw new UserError({
      path: '',
      message: `this node is not in a cluster (no ${paths.corosyncConf}); create one with 'pveca -c' or join with 'pveca -a -h MASTER'`,
    });
  }
  return { config, state };
}

export function readToken(paths: NodePaths): string | undefined {
  return existsSync(paths.token) ? readFileSync(paths.token, 'utf8').trim() : undefined;
}

/**
 * Runs every check and throws one UserError with all their issues: every input problem is
 * reported at once, and before anything is written or run.
 */
export function checkAll(...checks: (() => unknown)[]): void {
  const issues: Issue[] = [];
  for (const check of checks) {
    try {
      check();
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      issues.push(...err.issues);
    }
  }
  if (issues.length) throw new UserError(issues);
}
