// Console WebSockets (VM serial, VNC, container console) of a guest owned by another member:
// the entry node accepts the client's WebSocket (after its own authentication), opens one to the
// owner's mutual-TLS listener, and passes the frames both ways. The owner runs the request
// through its own API as root (like forwarded HTTP calls), recording the forwarding user.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import type { Services } from '../api/services.ts';
import { PEER_PREFIX, type PeerUpgrade } from './peer.ts';
import { FORWARDED_HEADER } from './routes.ts';

const API = '/api/v1';

/** WebSocket requests the forwarding hook sent to another member: request -> owner and path */
const pending = new WeakMap<IncomingMessage, { node: string; url: string }>();

export function markForwardedSocket(
  req: FastifyRequest,
  target: { node: string; url: string },
): void {
  pending.set(req.raw, target);
}

/** a close code the client may be given for one the owner's side ended with */
export function clientCloseCode(code: number): number {
  if (code === 1005) return 1000;
  if (code === 1006) return 1011;
  return (code >= 1000 && code <= 1014 && code !== 1004) || (code >= 3000 && code <= 4999)
    ? code
    : 1011;
}

/**
 * When `req` was marked for forwarding, pipes `client` to the owner and answers true (the route's
 * own handler must not run); else false.
 */
export function pipeToOwner(s: Services, client: WebSocket, req: FastifyRequest): boolean {
  const target = pending.get(req.raw);
  const c = s.cluster;
  if (!target) return false;
  pending.delete(req.raw);
  const member = c?.member(target.node);
  const m = c?.membership.get();
  const fail = (status: number, message: string) =>
    client.close(4000 + status, message.slice(0, 120));
  if (!c || !member || !m) {
    fail(502, `node ${target.node} is no member now`);
    return true;
  }
  let up: WebSocket;
  try {
    up = c.client.socket(m, member, `${PEER_PREFIX}/api${target.url.slice(API.length)}`, {
      [FORWARDED_HEADER]: req.principal?.user ?? '',
    });
  } catch (err) {
    fail(502, (err as Error).message);
    return true;
  }
  const early: [Buffer, boolean][] = [];
  const keep = (d: Buffer, binary: boolean) => early.push([d, binary]);
  client.on('message', keep);
  up.once('open', () => {
    client.off('message', keep);
    for (const [d, binary] of early) up.send(d, { binary });
    client.on('message', (d: Buffer, binary: boolean) => up.send(d, { binary }));
  });
  up.on('message', (d: Buffer, binary: boolean) => {
    if (client.readyState === client.OPEN) client.send(d, { binary });
  });
  up.once('close', (code, reason) => {
    if (client.readyState === client.OPEN) client.close(clientCloseCode(code), reason);
  });
  up.once('unexpected-response', (_r, res) => {
    up.terminate();
    fail(res.statusCode ?? 502, `node ${target.node} refused the console (HTTP ${res.statusCode})`);
  });
  up.once('error', (err) => {
    s.log(`console forward ${target.url.split('?')[0]} to ${target.node}: ${err.message}`);
    fail(502, `node ${target.node} (${member.address}) did not answer`);
  });
  client.once('close', () => {
    if (up.readyState === up.CONNECTING) up.terminate();
    else up.close();
  });
  return true;
}

/** On the owner: a forwarded console upgrade runs through this node's own API as root. */
export function peerUpgrade(s: Services, app: FastifyInstance, rootToken: string): PeerUpgrade {
  return (req, socket, head, peer) => {
    const url = req.url ?? '/';
    if (!url.startsWith(`${PEER_PREFIX}/api/`)) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const user = String(req.headers[FORWARDED_HEADER] ?? '');
    req.url = `${API}/${url.slice(`${PEER_PREFIX}/api/`.length)}`;
    req.headers.authorization = `Bearer ${rootToken}`;
    req.headers[FORWARDED_HEADER] = `${user}@${peer.name}`;
    s.audit.record({
      user: user || null,
      address: `${peer.name} (${peer.address})`,
      action: `forwarded console ${req.url.split('?')[0]}`,
      outcome: 101,
    });
    app.server.emit('upgrade', req, socket, head);
  };
}
