// The cluster service every node runs (`pveca serve`, openve-cluster.service): every member
// accepts joins (the coordinator among them, see protocol.ts) and nodelist pushes signed with the
// cluster authkey.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { CommandRunner } from '../../lib/exec/index.ts';
import { certFingerprint } from '../../lib/net/pinned.ts';
import type { NodePaths } from '../paths.ts';
import type { ClusterControl } from './control.ts';
import type * as z from 'zod';
import { UserError } from '../../lib/errors.ts';
import {
  bodyProtocolVersion,
  caPushSchema,
  configPushSchema,
  protocolMismatch,
  joinRequestSchema,
  PROTOCOL_PREFIX,
  PROTOCOL_VERSION,
} from '../../contracts/cluster.ts';
import { ContractError, parseJson } from '../../contracts/json.ts';
import { hasCa, issueOwnCert, readCa, signNodeCsr, writeCa } from './ca.ts';
import { refreshLibvirtMembers, setupLibvirtTls } from './libvirtTls.ts';
import { readToken } from './commands/context.ts';
import { addNode, ClusterChangeError, type ClusterConfig } from './model.ts';
import {
  helloProof,
  tokensEqual,
  verifyPush,
  type ClusterSnapshot,
  type ErrorCode,
  type ErrorResponse,
  type HelloResponse,
  type JoinResponse,
} from './protocol.ts';
import { describeUnreachable, pushConfig, unreachableMembers } from './push.ts';
import {
  readAuthkey,
  readClusterConfig,
  removeClusterFiles,
  readState,
  writeClusterConfig,
  writeState,
  type ClusterState,
} from './state.ts';

export interface ServiceContext {
  paths: NodePaths;
  runner: CommandRunner;
  control: ClusterControl;
  log: (line: string) => void;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly coordinator?: { name: string; address: string },
  ) {
    super(message);
  }
}

const MAX_BODY = 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'bad-request', 'request too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * Serialises changes to one node's files: two joins at once must not both take nodeid N. One queue
 * per node root (a test process may serve several nodes; one node's push must not wait for another's).
 */
const queues = new Map<string, Promise<unknown>>();
function serialised<T>(ctx: ServiceContext, fn: () => Promise<T>): Promise<T> {
  const key = ctx.paths.root;
  const next = (queues.get(key) ?? Promise.resolve()).then(fn, fn);
  queues.set(
    key,
    next.catch(() => undefined),
  );
  return next;
}

function clusterToken(ctx: ServiceContext): string | undefined {
  return readToken(ctx.paths);
}

/** This node's state and token, or 409: only a member (with the pre-shared token) answers joiners. */
function memberOnly(ctx: ServiceContext): { state: ClusterState; token: string } {
  const state = readState(ctx.paths);
  const token = clusterToken(ctx);
  if (!state || !token) throw new HttpError(409, 'not-member', 'this node is not a cluster member');
  return { state, token };
}

function parseRequest<S extends z.ZodType>(schema: S, text: string, what: string): z.output<S> {
  // another release's request: name both versions, not the first field that differs
  const theirs = bodyProtocolVersion(text);
  if (theirs !== null && theirs !== PROTOCOL_VERSION)
    throw new HttpError(400, 'bad-request', protocolMismatch(theirs, `the ${what}`, 'this member'));
  try {
    return parseJson(schema, text, what);
  } catch (err) {
    if (err instanceof ContractError) throw new HttpError(400, 'bad-request', err.message);
    throw err;
  }
}

/**
 * Who may change the nodelist now: this node must be quorate and the member with the lowest nodeid
 * in its corosync membership (every member of a quorate partition sees the same membership, so
 * exactly one member accepts; two members never hand out one nodeid).
 */
async function coordinatorCheck(
  ctx: ServiceContext,
  state: ClusterState,
  config: ClusterConfig,
): Promise<ReadonlySet<number>> {
  const status = await ctx.control.quorum();
  if (!status.quorate)
    throw new HttpError(
      503,
      'not-quorate',
      `${state.nodeName} is not in a quorate partition right now (corosync ${status.running ? 'not quorate' : 'not running'})`,
    );
  const online = new Set(status.members);
  const coordinator = [...config.nodes]
    .sort((a, b) => a.nodeid - b.nodeid)
    .find((n) => online.has(n.nodeid));
  if (coordinator && coordinator.name !== state.nodeName)
    throw new HttpError(
      409,
      'not-coordinator',
      `joins are accepted by ${coordinator.name} (${coordinator.address}), the lowest online nodeid`,
      { name: coordinator.name, address: coordinator.address },
    );
  return online;
}

async function handleJoin(ctx: ServiceContext, body: string): Promise<JoinResponse> {
  const req = parseRequest(joinRequestSchema, body, 'join request');
  const { state, token } = memberOnly(ctx);
  if (!tokensEqual(req.token, token)) {
    await new Promise((r) => setTimeout(r, 300)); // slows down guessing
    throw new HttpError(403, 'wrong-token', `wrong join token for cluster '${state.clusterName}'`);
  }
  return serialised(ctx, async () => {
    const current = readClusterConfig(ctx.paths);
    if (!current) throw new HttpError(500, 'internal', 'this member has no corosync.conf');
    const online = await coordinatorCheck(ctx, state, current);
    let next: ClusterConfig;
    const authkey = readAuthkey(ctx.paths);
    try {
      next = addNode(current, { name: req.name, address: req.address });
    } catch (err) {
      if (err instanceof ClusterChangeError)
        throw new HttpError(409, err.code as ErrorCode, err.message);
      throw new HttpError(400, 'bad-request', (err as Error).message);
    }
    const missing = await unreachableMembers(state, authkey, current, [], online);
    if (missing.length)
      throw new HttpError(503, 'member-unreachable', describeUnreachable(missing, state.port));
    const added = next.nodes.find((n) => n.name === req.name)!;
    // a cluster with a CA signs the joiner's node certificate (subject and names set here)
    const ca = hasCa(ctx.paths) ? readCa(ctx.paths) : undefined;
    const certificate =
      ca && req.csr
        ? await signNodeCsr(ctx.runner, ctx.paths, req.csr, {
            name: req.name,
            address: req.address,
          })
        : undefined;
    if (ca && !req.csr)
      ctx.log(`join: '${req.name}' sent no CSR (older release): no node certificate issued`);
    const members = {
      ...state.members,
      [state.nodeName]: { ...state.members?.[state.nodeName], fingerprint: state.fingerprint },
      [req.name]: {
        fingerprint: req.fingerprint,
        ...(certificate ? { nodeCert: certFingerprint(certificate) } : {}),
      },
    };
    const fresh = { ...state, members };
    writeState(ctx.paths, fresh);
    writeClusterConfig(ctx.paths, next);
    const unreachable = await pushConfig(fresh, authkey, { config: next, members }, [req.name]);
    await ctx.control.reloadCorosync();
    refreshLibvirtLater(ctx, fresh, next);
    ctx.log(
      `joined: node '${added.name}' (${added.address}) as nodeid ${added.nodeid}, config_version ${next.configVersion}`,
    );
    return {
      version: PROTOCOL_VERSION,
      config: next,
      authkey: authkey.toString('base64'),
      nodeid: added.nodeid,
      master: { name: state.nodeName, address: state.address, fingerprint: state.fingerprint },
      port: state.port,
      unreachable,
      members,
      ...(ca && certificate ? { ca, certificate } : {}),
    };
  });
}

/**
 * POST /v1/ca (signed): `pveca --upgrade-ca` on another member hands out the cluster CA; this
 * member keeps it and signs a fresh node certificate for itself, answering its fingerprint; and sets
 * up libvirt TLS from them (libvirtTls.ts).
 */
async function handleCa(
  ctx: ServiceContext,
  req: IncomingMessage,
  body: string,
): Promise<{ ok: true; node: string; nodeCert: string }> {
  checkSigned(ctx, req, body);
  const push = parseRequest(caPushSchema, body, 'CA push');
  return serialised(ctx, async () => {
    const state = readState(ctx.paths);
    if (!state) throw new HttpError(409, 'not-member', 'this node is not a cluster member');
    const mine = readCa(ctx.paths);
    if (mine && mine.cert.trim() !== push.ca.cert.trim())
      throw new HttpError(
        409,
        'bad-request',
        `${state.nodeName} already has another cluster CA (${ctx.paths.caCert}); move it away to take this one`,
      );
    if (!mine) writeCa(ctx.paths, push.ca);
    const nodeCert = await issueOwnCert(ctx.runner, ctx.paths, {
      name: state.nodeName,
      address: state.address,
    });
    ctx.log(`cluster CA received; node certificate ${nodeCert} issued`);
    // the managers' trust above is what the member acknowledges: a libvirt TLS failure is logged
    await setupLibvirtTls(
      ctx.paths,
      ctx.control,
      { name: state.nodeName, address: state.address },
      readClusterConfig(ctx.paths)?.nodes.map((n) => n.name) ?? [],
      ctx.log,
    ).catch((err: Error) => ctx.log(`libvirt TLS not set up: ${err.message.split('\n')[0]}`));
    return { ok: true, node: state.nodeName, nodeCert };
  });
}

async function handleHello(ctx: ServiceContext, url: URL): Promise<HelloResponse> {
  const { state, token } = memberOnly(ctx);
  const nonce = url.searchParams.get('nonce') ?? '';
  if (!/^[0-9a-f]{32,128}$/.test(nonce))
    throw new HttpError(400, 'bad-request', 'nonce: must be 32-128 hex digits');
  return {
    version: PROTOCOL_VERSION,
    cluster: state.clusterName,
    node: { name: state.nodeName, address: state.address },
    proof: helloProof(token, state.clusterName, nonce, state.fingerprint),
  };
}

function checkSigned(ctx: ServiceContext, req: IncomingMessage, body: string): void {
  const time = String(req.headers['x-openve-time'] ?? '');
  const signature = String(req.headers['x-openve-signature'] ?? '');
  if (!verifyPush(readAuthkey(ctx.paths), time, body, signature))
    throw new HttpError(403, 'bad-signature', "request not signed with this cluster's authkey");
}

async function handlePull(ctx: ServiceContext, req: IncomingMessage): Promise<ClusterSnapshot> {
  checkSigned(ctx, req, '');
  const config = readClusterConfig(ctx.paths);
  const state = readState(ctx.paths);
  if (!config || !state) throw new HttpError(500, 'internal', 'no corosync.conf here');
  return { version: PROTOCOL_VERSION, config, members: state.members ?? {} };
}

async function handlePush(
  ctx: ServiceContext,
  req: IncomingMessage,
  body: string,
): Promise<{ ok: true; configVersion: number }> {
  checkSigned(ctx, req, body);
  const push = parseRequest(configPushSchema, body, 'config push');
  const applied = await applySnapshot(ctx, push);
  if (push.reload) await ctx.control.reloadCorosync().catch(() => undefined);
  return { ok: true, configVersion: applied };
}

/** Writes a newer nodelist (and the members' certificates); returns the version now in place. */
export async function applySnapshot(
  ctx: ServiceContext,
  snapshot: Omit<ClusterSnapshot, 'version'>,
): Promise<number> {
  return serialised(ctx, async () => {
    const current = readClusterConfig(ctx.paths);
    const state = readState(ctx.paths);
    const { config } = snapshot;
    if (!state || (current && current.configVersion >= config.configVersion))
      return current?.configVersion ?? 0;
    if (!config.nodes.some((n) => n.name === state.nodeName)) {
      // a member removed this node (`pveca -d`, possibly --force while it was online): it cleans
      // itself up, as `pveca leave` would, once the answer is sent
      ctx.log(
        `config_version ${config.configVersion} no longer lists this node: it was removed from cluster '${state.clusterName}'; stopping corosync and removing its cluster configuration`,
      );
      setImmediate(() => void selfRemoved(ctx));
      return config.configVersion;
    }
    writeState(ctx.paths, { ...state, members: { ...state.members, ...snapshot.members } });
    writeClusterConfig(ctx.paths, config);
    refreshLibvirtLater(ctx, state, config);
    ctx.log(`config_version ${config.configVersion} received (${config.nodes.length} nodes)`);
    return config.configVersion;
  });
}

/**
 * libvirtd's tls_allowed_dn_list follows the new nodelist (libvirtTls.ts), once the answer is
 * sent: restarting libvirtd takes seconds and the member that pushed waits 5 s for the answer.
 * Queued behind this node's other changes; the config read then is the newest.
 */
function refreshLibvirtLater(ctx: ServiceContext, state: ClusterState, config: ClusterConfig) {
  const node = { name: state.nodeName, address: state.address };
  setImmediate(
    () =>
      void serialised(ctx, () => {
        const current = readClusterConfig(ctx.paths) ?? config;
        // removed meanwhile (selfRemoved): nothing to follow
        if (!current.nodes.some((n) => n.name === node.name)) return Promise.resolve(false);
        return refreshLibvirtMembers(
          ctx.paths,
          ctx.control,
          node,
          current.nodes.map((n) => n.name),
          ctx.log,
        );
      }),
  );
}

/** This node was removed by the others: stop corosync, drop every cluster file, stop the service. */
async function selfRemoved(ctx: ServiceContext): Promise<void> {
  try {
    await ctx.control.stopCorosync();
    removeClusterFiles(ctx.paths);
    ctx.log('removed from the cluster: corosync stopped, cluster configuration removed');
    await ctx.control.stopService();
  } catch (err) {
    ctx.log(`clean-up after removal failed: ${(err as Error).message}`);
  }
}

export async function route(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'https://localhost');
    if (req.method === 'GET' && url.pathname === `${PROTOCOL_PREFIX}/hello`)
      return send(res, 200, await handleHello(ctx, url));
    if (req.method === 'POST' && url.pathname === `${PROTOCOL_PREFIX}/join`)
      return send(res, 200, await handleJoin(ctx, await readBody(req)));
    if (req.method === 'GET' && url.pathname === `${PROTOCOL_PREFIX}/config`)
      return send(res, 200, await handlePull(ctx, req));
    if (req.method === 'POST' && url.pathname === `${PROTOCOL_PREFIX}/config`)
      return send(res, 200, await handlePush(ctx, req, await readBody(req)));
    if (req.method === 'POST' && url.pathname === `${PROTOCOL_PREFIX}/ca`)
      return send(res, 200, await handleCa(ctx, req, await readBody(req)));
    send(res, 404, { error: 'bad-request', message: `no route ${req.method} ${url.pathname}` });
  } catch (err) {
    if (err instanceof HttpError) {
      const body: ErrorResponse = { error: err.code, message: err.message };
      if (err.coordinator) body.coordinator = err.coordinator;
      return send(res, err.status, body);
    }
    // no stack, no request body (it may hold the token): the message only
    const message = err instanceof UserError ? err.message : (err as Error).message;
    ctx.log(`error: ${message}`);
    send(res, 500, { error: 'internal', message });
  }
}

export function startServer(
  ctx: ServiceContext,
  options: { port: number; host?: string },
): Promise<https.Server> {
  const server = https.createServer(
    { key: readFileSync(ctx.paths.keyPem), cert: readFileSync(ctx.paths.certPem) },
    (req, res) => {
      void route(ctx, req, res);
    },
  );
  const listen = (host: string) =>
    new Promise<https.Server>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, host, () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  if (options.host) return listen(options.host);
  // '::' takes IPv4 too; a kernel booted with ipv6.disable=1 has no '::'
  return listen('::').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EAFNOSUPPORT' || err.code === 'EADDRNOTAVAIL') return listen('0.0.0.0');
    throw err;
  });
}
