// What a manager answers its peers on the mutual-TLS listener: its own resources, and the API
// requests other members forward to it (run through this node's own API with its root token, so
// every check and every task is the same as for a local request; audited with the forwarding
// user and node).
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { PeerResources } from '../../../contracts/manager/cluster.ts';
import type { Services } from '../api/services.ts';
import { nodeStatus } from '../node.ts';
import { ContractError, parseJson } from '../../../contracts/json.ts';
import { ApiError } from '../api/errors.ts';
import { IdRequestSchema } from './ids.ts';
import { PEER_PREFIX, startPeerServer, type PeerHandler } from './peer.ts';
import { FORWARDED_HEADER } from './routes.ts';
import { peerUpgrade } from './sockets.ts';
import { ctPeerHandler } from './ctMigrateRoutes.ts';

const MAX_BODY = 1 << 20;

export function localResources(s: Services): PeerResources {
  const facts = s.facts();
  return {
    node: facts.name,
    status: nodeStatus(facts),
    storages: facts.storages.map((st) => ({ ...st })),
    guests: [...s.vms.list(), ...s.cts.list()].map((g) => ({ ...g })).sort((a, b) => a.id - b.id),
  };
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new Error('forwarded body too large');
    chunks.push(c as Buffer);
  }
  return chunks.length ? Buffer.concat(chunks).toString('utf8') : undefined;
}

export function peerHandler(s: Services, app: FastifyInstance, rootToken: string): PeerHandler {
  return async (req, res, peer) => {
    const url = req.url ?? '/';
    if (await s.migrateReceiver?.handle(req, res, peer.name)) return;
    if (req.method === 'GET' && url === `${PEER_PREFIX}/resources`) {
      // serialized once per change of this node's guests (or once a second), not per request
      const text = s.cluster ? s.cluster.local().json : JSON.stringify(localResources(s));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(text);
      return;
    }
    if (req.method === 'POST' && url === `${PEER_PREFIX}/changed`) {
      // the member's guests changed (its localChanged): the next read here waits for its answer
      await readBody(req);
      if (s.cluster?.peerChanged(peer.name))
        s.hub.emit({ type: 'cluster', node: peer.name, at: new Date().toISOString() });
      res.writeHead(204);
      res.end();
      return;
    }
    if (req.method === 'POST' && url === `${PEER_PREFIX}/ids`) {
      const body = await readBody(req);
      let status = 200;
      let answer: unknown;
      try {
        const ask = parseJson(IdRequestSchema, body ?? '{}', 'id request');
        answer = { id: await s.cluster!.ids.allocateHere(ask.wanted) };
      } catch (err) {
        if (err instanceof ApiError) [status, answer] = [err.status, { errors: err.issues }];
        else if (err instanceof ContractError)
          [status, answer] = [400, { errors: [{ path: err.field, message: err.message }] }];
        else throw err;
      }
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
      return;
    }
    if (await ctPeerHandler(s, req, res)) return;
    if (url.startsWith(`${PEER_PREFIX}/api/`)) {
      const user = String(req.headers[FORWARDED_HEADER] ?? '');
      const body = await readBody(req);
      const apiUrl = `/api/v1/${url.slice(`${PEER_PREFIX}/api/`.length)}`;
      const out = await app.inject({
        method: req.method as 'GET' | 'POST' | 'PUT' | 'DELETE',
        url: apiUrl,
        headers: {
          authorization: `Bearer ${rootToken}`,
          [FORWARDED_HEADER]: `${user}@${peer.name}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { payload: body } : {}),
      });
      if (req.method !== 'GET')
        s.audit.record({
          user: user || null,
          address: `${peer.name} (${peer.address})`,
          action: `forwarded ${req.method} ${apiUrl.split('?')[0]}`,
          outcome: out.statusCode,
        });
      res.writeHead(out.statusCode, {
        'content-type': String(out.headers['content-type'] ?? 'application/json'),
      });
      res.end(out.rawPayload);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ path: '', message: `no peer route ${url}` }] }));
  };
}

/** Starts the mutual-TLS listener when this node is in a cluster with a CA; else nothing. */
/**
 * The peer listener on this node's cluster address, once the node is a member with a node
 * certificate. A node that is not one yet when the manager starts (first boot: the answer file's
 * join by openve-cluster-init may end minutes after the manager started; or `pveca -c/-a` by hand
 * later) is looked at again every `retryMs`, and served as soon as it is.
 */
export async function startClusterPeer(
  s: Services,
  app: FastifyInstance,
  rootToken: string,
  o: { host: string; port: number },
  retryMs = 5000,
): Promise<{ close(): Promise<void> } | undefined> {
  const c = s.cluster;
  if (!c) return undefined;
  let saidNoCa = false;
  const start = async () => {
    const m = c.membership.get();
    if (!m) return undefined;
    if (!m.tls) {
      if (!saidNoCa)
        s.log(
          `cluster '${m.clusterName}' has no CA yet: no peer listener until it has one (run pveca --upgrade-ca)`,
        );
      saidNoCa = true;
      return undefined;
    }
    // on the node's cluster address: the peers reach it there whatever --listen says
    const host = m.nodes.find((n) => n.name === m.self)?.address ?? o.host;
    const server = await startPeerServer({
      host,
      port: o.port,
      membership: () => c.membership.get(),
      handle: peerHandler(s, app, rootToken),
      upgrade: peerUpgrade(s, app, rootToken),
      log: s.log,
    });
    s.log(`cluster '${m.clusterName}': peers served with mutual TLS on ${host}:${server.port}`);
    return server;
  };
  const now = await start();
  if (now) return now;
  let server: { close(): Promise<void> } | undefined;
  let busy = false;
  let stopped = false;
  const timer = setInterval(() => {
    if (busy || server || stopped) return;
    busy = true;
    start()
      .then((started) => {
        if (!started) return;
        if (stopped) return void started.close();
        server = started;
        clearInterval(timer);
      })
      .catch((err: Error) => s.log(`cluster peer listener: ${err.message.split('\n')[0]}`))
      .finally(() => (busy = false));
  }, retryMs);
  timer.unref();
  return {
    async close() {
      stopped = true;
      clearInterval(timer);
      await server?.close();
    },
  };
}
