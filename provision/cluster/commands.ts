// What `pveca -c / -a / -l / -i / -d` do, as functions over a context (paths, runner, control).
// Shared by the CLI and the first-boot cluster unit.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { UserError } from '../../lib/errors.ts';
import type { CommandRunner } from '../../lib/exec/index.ts';
import type { NodePaths } from '../paths.ts';
import { explainTransport, isRetryable, requestJoin, verifiedMasterFingerprint } from './client.ts';
import { ensureCertificate } from './certs.ts';
import type { ClusterControl } from './control.ts';
import {
  newCluster,
  quorumNeeded,
  removalKeepsQuorum,
  removeNode,
  validateAddress,
  validateNodeName,
  type ClusterConfig,
} from './model.ts';
import { describeUnreachable, pushConfig, unreachableMembers } from './push.ts';
import { queryQuorum, waitForQuorum, type QuorumStatus } from './status.ts';
import {
  DEFAULT_PORT,
  readAuthkey,
  readClusterConfig,
  readState,
  writeAuthkey,
  writeClusterConfig,
  writeFileAtomic,
  writeState,
  type ClusterState,
} from './state.ts';

export interface ClusterContext {
  paths: NodePaths;
  runner: CommandRunner;
  control: ClusterControl;
  out: (line: string) => void;
}

export const defaultNodeName = (): string => os.hostname().split('.')[0] ?? 'localhost';

async function ipJson(runner: CommandRunner, argv: string[]): Promise<unknown> {
  const r = await runner.run(argv, { reject: false, timeoutMs: 5000 });
  if (r.exitCode !== 0) return undefined;
  try {
    return JSON.parse(r.stdout);
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
    const routes = (await ipJson(runner, ['ip', '-j', 'route', 'get', toward])) as
      { prefsrc?: string }[] | undefined;
    const src = routes?.[0]?.prefsrc;
    if (src) return src;
  }
  const argv = ['ip', '-j', 'addr', 'show', 'scope', 'global', ...(iface ? ['dev', iface] : [])];
  let links = (await ipJson(runner, argv)) as
    { addr_info?: { family: string; local: string }[] }[] | undefined;
  if (iface && !links?.length)
    links = (await ipJson(runner, ['ip', '-j', 'addr', 'show', 'scope', 'global'])) as typeof links;
  const all = (links ?? []).flatMap((l) => l.addr_info ?? []);
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

function refuseIfMember(paths: NodePaths): void {
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

export interface CreateOptions {
  clusterName: string;
  token?: string;
  nodeName?: string;
  address?: string;
  port?: number;
  /** how long to wait for corosync to report quorum */
  waitMs?: number;
}

export interface CreateResult {
  clusterName: string;
  nodeName: string;
  address: string;
  port: number;
  token: string;
  fingerprint: string;
  quorate: boolean;
}

export async function createCluster(
  ctx: ClusterContext,
  opts: CreateOptions,
): Promise<CreateResult> {
  const { paths, runner, control } = ctx;
  refuseIfMember(paths);
  const nodeName = validateNodeName(opts.nodeName ?? defaultNodeName(), '--node-name');
  const address = validateAddress(opts.address ?? (await detectAddress(runner)), '--address');
  const config = newCluster(opts.clusterName, { name: nodeName, address });
  const token = opts.token ?? randomBytes(18).toString('base64url');
  if (token.length < 8)
    throw new UserError({ path: '--token', message: 'a join token needs at least 8 characters' });
  const port = opts.port ?? DEFAULT_PORT;

  writeFileAtomic(paths.token, token + '\n', 0o600);
  const fingerprint = await ensureCertificate(runner, paths, nodeName, address);
  writeAuthkey(paths, randomBytes(256)); // 2048 bits, like corosync-keygen
  writeState(paths, {
    version: 1,
    clusterName: config.clusterName,
    role: 'master',
    nodeName,
    address,
    port,
    master: { name: nodeName, address, fingerprint },
    fingerprint,
    members: {},
  });
  writeClusterConfig(paths, config);
  await control.startCorosync();
  await control.startService();
  const { ok } = await waitForQuorum(runner, (s) => s.quorate, opts.waitMs ?? 30_000);
  return {
    clusterName: config.clusterName,
    nodeName,
    address,
    port,
    token,
    fingerprint,
    quorate: ok,
  };
}

export interface JoinOptions {
  master: string;
  token: string;
  fingerprint?: string;
  nodeName?: string;
  address?: string;
  port?: number;
  /** keep retrying an unreachable master this long (first boot: long; CLI: 0 = once) */
  retryMs?: number;
  waitMs?: number;
}

export interface JoinResult {
  clusterName: string;
  nodeName: string;
  nodeid: number;
  address: string;
  master: { name: string; address: string; fingerprint: string };
  quorate: boolean;
  members: number;
  seconds: number;
  unreachable: string[];
}

export async function joinCluster(ctx: ClusterContext, opts: JoinOptions): Promise<JoinResult> {
  const started = performance.now();
  const { paths, runner, control } = ctx;
  refuseIfMember(paths);
  const master = validateAddress(opts.master, '-h');
  if (!opts.token)
    throw new UserError({
      path: '--token',
      message: 'joining needs the token printed by `pveca -c` on the master',
    });
  const nodeName = validateNodeName(opts.nodeName ?? defaultNodeName(), '--node-name');
  const address = validateAddress(
    opts.address ?? (await detectAddress(runner, master)),
    '--address',
  );
  const port = opts.port ?? DEFAULT_PORT;
  const target = {
    host: master,
    port,
    token: opts.token,
    ...(opts.fingerprint ? { fingerprint: opts.fingerprint } : {}),
  };
  const ownFingerprint = await ensureCertificate(runner, paths, nodeName, address);

  const deadline = Date.now() + (opts.retryMs ?? 0);
  let delay = 1000;
  let response;
  for (;;) {
    try {
      const pin = await verifiedMasterFingerprint(target, 10_000);
      response = await requestJoin(target, pin, {
        name: nodeName,
        address,
        fingerprint: ownFingerprint,
      });
      break;
    } catch (err) {
      if (isRetryable(err) && Date.now() + delay < deadline) {
        const why =
          err instanceof UserError
            ? err.issues[0]?.message
            : `master ${master}:${port} not answering yet`;
        ctx.out(`${why}; retrying in ${Math.round(delay / 1000)} s`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 30_000);
        continue;
      }
      throw explainTransport(err, master, port);
    }
  }

  writeAuthkey(paths, Buffer.from(response.authkey, 'base64'));
  writeState(paths, {
    version: 1,
    clusterName: response.config.clusterName,
    role: 'node',
    nodeName,
    address,
    port: response.port,
    master: response.master,
    fingerprint: ownFingerprint,
  });
  writeClusterConfig(paths, response.config);
  await control.startService();
  await control.startCorosync();
  const want = response.config.nodes.length - response.unreachable.length;
  const { ok, status } = await waitForQuorum(
    runner,
    (s) => s.quorate && s.members.includes(response.nodeid) && s.members.length >= want,
    opts.waitMs ?? 60_000,
  );
  return {
    clusterName: response.config.clusterName,
    nodeName,
    nodeid: response.nodeid,
    address,
    master: response.master,
    quorate: ok,
    members: status.members.length,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    unreachable: response.unreachable,
  };
}

export interface NodeView {
  nodeid: number;
  name: string;
  address: string;
  role: 'master' | 'node';
  online: boolean;
  local: boolean;
}

export interface ClusterView {
  cluster: string;
  configVersion: number;
  corosyncRunning: boolean;
  quorate: boolean;
  votes: { total: number; expected: number; quorum: number };
  nodes: NodeView[];
}

function requireCluster(paths: NodePaths): { config: ClusterConfig; state: ClusterState } {
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

export function clusterView(
  config: ClusterConfig,
  state: ClusterState,
  status: QuorumStatus,
): ClusterView {
  const online = new Set(status.members);
  return {
    cluster: config.clusterName,
    configVersion: config.configVersion,
    corosyncRunning: status.running,
    quorate: status.quorate,
    votes: {
      total: status.totalVotes ?? online.size,
      expected: status.expectedVotes ?? config.nodes.length,
      quorum: status.quorum ?? quorumNeeded(config.nodes.length),
    },
    nodes: [...config.nodes]
      .sort((a, b) => a.nodeid - b.nodeid)
      .map((n) => ({
        nodeid: n.nodeid,
        name: n.name,
        address: n.address,
        role: n.name === state.master.name ? 'master' : 'node',
        online: online.has(n.nodeid),
        local: n.name === state.nodeName,
      })),
  };
}

export async function listCluster(ctx: ClusterContext): Promise<ClusterView> {
  const { config, state } = requireCluster(ctx.paths);
  return clusterView(config, state, await queryQuorum(ctx.runner));
}

export function formatView(view: ClusterView): string {
  const rows = view.nodes.map((n) => [
    String(n.nodeid),
    n.name + (n.local ? ' (local)' : ''),
    n.address,
    n.role,
    n.online ? 'online' : 'offline',
  ]);
  const head = ['Nodeid', 'Name', 'Address', 'Role', 'Status'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const quorum = view.corosyncRunning
    ? `${view.quorate ? 'quorate' : 'NOT quorate'} (${view.votes.total} of ${view.votes.expected} votes, ${view.votes.quorum} needed)`
    : 'unknown: corosync is not running on this node';
  return [
    `Cluster: ${view.cluster} (config version ${view.configVersion})`,
    `Quorum:  ${quorum}`,
    '',
    line(head),
    ...rows.map(line),
  ].join('\n');
}

export interface InfoView extends NodeView {
  cluster: string;
  quorate: boolean;
  corosyncRunning: boolean;
  master: { name: string; address: string; fingerprint: string };
  fingerprint: string;
}

export async function nodeInfo(ctx: ClusterContext): Promise<InfoView> {
  const { config, state } = requireCluster(ctx.paths);
  const view = clusterView(config, state, await queryQuorum(ctx.runner));
  const self = view.nodes.find((n) => n.local);
  if (!self)
    throw new UserError({
      path: 'pveca -i',
      message: `this node ('${state.nodeName}') is no longer in the nodelist of cluster '${config.clusterName}'`,
    });
  return {
    ...self,
    cluster: view.cluster,
    quorate: view.quorate,
    corosyncRunning: view.corosyncRunning,
    master: state.master,
    fingerprint: state.fingerprint,
  };
}

export function formatInfo(i: InfoView): string {
  return [
    `Node:        ${i.name} (nodeid ${i.nodeid}, ${i.address})`,
    `Cluster:     ${i.cluster}`,
    `Role:        ${i.role}`,
    `Status:      ${i.online ? 'online' : 'offline'}${i.corosyncRunning ? '' : ' (corosync not running)'}`,
    `Quorate:     ${i.quorate ? 'yes' : 'no'}`,
    `Master:      ${i.master.name} (${i.master.address})`,
    `Certificate: ${i.fingerprint}`,
  ].join('\n');
}

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

export function readToken(paths: NodePaths): string | undefined {
  return existsSync(paths.token) ? readFileSync(paths.token, 'utf8').trim() : undefined;
}
