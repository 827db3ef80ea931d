// The cluster service every node runs (`pveca serve`, openve-cluster.service): on the master it
// accepts joins; on every node it accepts nodelist pushes signed with the cluster authkey.
import { clusterConfigSchema, joinRequestSchema } from '../../contracts/cluster.ts';
import { parseJson } from '../../contracts/json.ts';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { CommandRunner } from '../../lib/exec/index.ts';
import type { NodePaths } from '../paths.ts';
import type { ClusterControl } from './control.ts';
import { addNode, ClusterChangeError, type ClusterConfig } from './model.ts';
import {
  helloProof,
  tokensEqual,
  verifyPush,
  type ErrorCode,
  type HelloResponse,
  type JoinRequest,
  type JoinResponse,
} from './protocol.ts';
import { describeUnreachable, pushConfig, unreachableMembers } from './push.ts';
import {
  readAuthkey,
  readClusterConfig,
  readState,
  writeClusterConfig,
  writeState,
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

/** Serialises cluster changes: two joins at once must not both take nodeid N. */
let chain: Promise<unknown> = Promise.resolve();
function serialised<T>(fn: () => Promise<T>): Promise<T> {
  const next = chain.then(fn, fn);
  chain = next.catch(() => undefined);
  return next;
}

function masterToken(ctx: ServiceContext): string {
  return readFileSync(ctx.paths.token, 'utf8').trim();
}

function parseJoin(text: string): JoinRequest {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'bad-request', 'body is not JSON');
  }
  const o = v as Record<string, unknown>;
  for (const k of ['token', 'name', 'address', 'fingerprint'] as const) {
    if (typeof o?.[k] !== 'string') throw new HttpError(400, 'bad-request', `missing '${k}'`);
  }
  return joinRequestSchema.parse(o);
}

async function handleJoin(ctx: ServiceContext, body: string): Promise<JoinResponse> {
  const req = parseJoin(body);
  const state = readState(ctx.paths);
  if (!state || state.role !== 'master')
    throw new HttpError(409, 'not-master', 'this node is not a cluster master');
  if (!tokensEqual(req.token, masterToken(ctx))) {
    await new Promise((r) => setTimeout(r, 300)); // slows down guessing
    throw new HttpError(403, 'wrong-token', `wrong join token for cluster '${state.clusterName}'`);
  }
  return serialised(async () => {
    const current = readClusterConfig(ctx.paths);
    if (!current) throw new HttpError(500, 'internal', 'master has no corosync.conf');
    let next: ClusterConfig;
    const authkey = readAuthkey(ctx.paths);
    try {
      next = addNode(current, { name: req.name, address: req.address });
    } catch (err) {
      if (err instanceof ClusterChangeError)
        throw new HttpError(409, err.code as ErrorCode, err.message);
      throw new HttpError(400, 'bad-request', (err as Error).message);
    }
    const missing = await unreachableMembers(state, authkey, current);
    if (missing.length)
      throw new HttpError(503, 'member-unreachable', describeUnreachable(missing, state.port));
    const added = next.nodes.find((n) => n.name === req.name)!;
    const fresh = {
      ...state,
      members: { ...state.members, [req.name]: { fingerprint: req.fingerprint } },
    };
    writeState(ctx.paths, fresh);
    writeClusterConfig(ctx.paths, next);
    const unreachable = await pushConfig(fresh, authkey, next, [req.name]);
    await ctx.control.reloadCorosync();
    ctx.log(
      `joined: node '${added.name}' (${added.address}) as nodeid ${added.nodeid}, config_version ${next.configVersion}`,
    );
    return {
      config: next,
      authkey: authkey.toString('base64'),
      nodeid: added.nodeid,
      master: { name: state.nodeName, address: state.address, fingerprint: state.fingerprint },
      port: state.port,
      unreachable,
    };
  });
}

async function handleHello(ctx: ServiceContext, url: URL): Promise<HelloResponse> {
  const state = readState(ctx.paths);
  if (!state || state.role !== 'master')
    throw new HttpError(409, 'not-master', 'this node is not a cluster master');
  const nonce = url.searchParams.get('nonce') ?? '';
  if (!/^[0-9a-f]{32,128}$/.test(nonce))
    throw new HttpError(400, 'bad-request', 'nonce must be 32-128 hex digits');
  return {
    cluster: state.clusterName,
    master: { name: state.nodeName, address: state.address },
    proof: helloProof(masterToken(ctx), state.clusterName, nonce, state.fingerprint),
  };
}

function checkSigned(ctx: ServiceContext, req: IncomingMessage, body: string): void {
  const time = String(req.headers['x-openve-time'] ?? '');
  const signature = String(req.headers['x-openve-signature'] ?? '');
  if (!verifyPush(readAuthkey(ctx.paths), time, body, signature))
    throw new HttpError(403, 'bad-signature', "request not signed with this cluster's authkey");
}

async function handlePull(ctx: ServiceContext, req: IncomingMessage): Promise<ClusterConfig> {
  checkSigned(ctx, req, '');
  const config = readClusterConfig(ctx.paths);
  if (!config) throw new HttpError(500, 'internal', 'no corosync.conf here');
  return config;
}

async function handlePush(
  ctx: ServiceContext,
  req: IncomingMessage,
  body: string,
): Promise<{ ok: true; configVersion: number }> {
  checkSigned(ctx, req, body);
  let config: ClusterConfig;
  try {
    config = parseJson(clusterConfigSchema, body, 'pushed config');
  } catch (err) {
    throw new HttpError(400, 'bad-request', (err as Error).message);
  }
  const current = readClusterConfig(ctx.paths);
  if (current && current.configVersion >= config.configVersion)
    return { ok: true, configVersion: current.configVersion };
  writeClusterConfig(ctx.paths, config);
  ctx.log(`config_version ${config.configVersion} received (${config.nodes.length} nodes)`);
  return { ok: true, configVersion: config.configVersion };
}

export async function route(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'https://localhost');
    if (req.method === 'GET' && url.pathname === '/v1/hello')
      return send(res, 200, await handleHello(ctx, url));
    if (req.method === 'POST' && url.pathname === '/v1/join')
      return send(res, 200, await handleJoin(ctx, await readBody(req)));
    if (req.method === 'GET' && url.pathname === '/v1/config')
      return send(res, 200, await handlePull(ctx, req));
    if (req.method === 'POST' && url.pathname === '/v1/config')
      return send(res, 200, await handlePush(ctx, req, await readBody(req)));
    send(res, 404, { error: 'bad-request', message: `no route ${req.method} ${url.pathname}` });
  } catch (err) {
    if (err instanceof HttpError)
      return send(res, err.status, { error: err.code, message: err.message });
    ctx.log(`error: ${(err as Error).message}`);
    send(res, 500, { error: 'internal', message: (err as Error).message });
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
