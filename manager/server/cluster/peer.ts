// Mutual TLS between the node managers. A peer is accepted only when its certificate is signed by
// the cluster CA (TLS does that: requestCert + rejectUnauthorized) AND its fingerprint is the one
// recorded for a node of the current nodelist (so `pveca -d` revokes it at once, and so does a
// node re-joining under the same name with a new certificate). The same check, the other way,
// pins the server a manager talks to.
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import type { MemberNode, Membership } from '../../../provision/index.ts';

export const PEER_PREFIX = '/peer/v1';
/** default port of the managers' mutual-TLS listener (the API is on 8006, pveca's service on 8007) */
export const PEER_PORT = 8008;

const canonical = (fp: string) => fp.replace(/:/g, '').toUpperCase();

export function commonName(cert: X509Certificate): string | undefined {
  return /^CN=(.+)$/m.exec(cert.subject)?.[1];
}

/** The member `cert` belongs to, or why it is refused (pure: the TLS layer checked the CA). */
export function authorizePeer(
  cert: X509Certificate | undefined,
  m: Membership | undefined,
): { ok: true; node: MemberNode } | { ok: false; reason: string } {
  if (!m) return { ok: false, reason: 'this node is in no cluster' };
  if (!cert) return { ok: false, reason: 'no client certificate' };
  const name = commonName(cert);
  const node = m.nodes.find((n) => n.name === name);
  if (!node) return { ok: false, reason: `'${name ?? '?'}' is not a member of the cluster` };
  if (!node.nodeCert || canonical(node.nodeCert) !== canonical(cert.fingerprint256))
    return { ok: false, reason: `'${name}' presented a certificate that is not its current one` };
  return { ok: true, node };
}

export interface PeerResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

const NO_CERT = 'this node has no cluster certificate (run pveca --upgrade-ca)';

/**
 * The mutual-TLS options for talking to `target`: this node's cluster certificate and key, the
 * cluster CA (TLS checks the chain), and a check that pins the member's current certificate.
 */
export function tlsRequestOptions(
  m: Membership,
  target: MemberNode,
): Required<Pick<https.RequestOptions, 'ca' | 'cert' | 'key' | 'checkServerIdentity'>> {
  const tls = m.tls;
  if (!tls) throw new Error(NO_CERT);
  return {
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    checkServerIdentity: (_host, peer) => {
      const ok = authorizePeer(new X509Certificate(peer.raw), { ...m, nodes: [target] });
      return ok.ok ? undefined : new Error(`peer ${target.name}: ${ok.reason}`);
    },
  };
}

/** the whole answer of a peer request */
function collect(
  res: IncomingMessage,
  resolve: (r: PeerResponse) => void,
  reject: (e: Error) => void,
): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () =>
    resolve({
      status: res.statusCode ?? 502,
      contentType: String(res.headers['content-type'] ?? 'application/json'),
      body: Buffer.concat(chunks),
    }),
  );
  res.on('error', reject);
}

/** A member's TLS identity and a keep-alive agent per membership (new material: new agent). */
export class PeerClient {
  private agent: https.Agent | undefined;
  private agentFor: string | undefined;

  constructor(private readonly port: number) {}

  private agentOf(m: Membership & { tls: NonNullable<Membership['tls']> }): https.Agent {
    const key = m.tls.cert;
    if (!this.agent || this.agentFor !== key) {
      this.agent?.destroy();
      this.agent = new https.Agent({
        keepAlive: true,
        maxSockets: 8,
        ca: m.tls.ca,
        cert: m.tls.cert,
        key: m.tls.key,
      });
      this.agentFor = key;
    }
    return this.agent;
  }

  request(
    m: Membership,
    target: MemberNode,
    o: {
      method: string;
      path: string;
      body?: string;
      headers?: Record<string, string>;
      timeoutMs: number;
    },
  ): Promise<PeerResponse> {
    const tls = m.tls;
    if (!tls) return Promise.reject(new Error(NO_CERT));
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          ...tlsRequestOptions(m, target),
          host: target.address,
          port: this.port,
          method: o.method,
          path: o.path,
          agent: this.agentOf({ ...m, tls }),
          headers: {
            ...(o.body !== undefined
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(o.body) }
              : {}),
            ...o.headers,
          },
          timeout: o.timeoutMs,
        },
        (res) => collect(res, resolve, reject),
      );
      const timer = setTimeout(
        () => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)),
        o.timeoutMs,
      );
      req.on('close', () => clearTimeout(timer));
      req.on('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(o.body);
    });
  }

  /**
   * A request whose body is a stream (a container's root file system), over the same mutual TLS;
   * `idleMs`: how long the transfer may stall.
   */
  stream(
    m: Membership,
    target: MemberNode,
    o: { method: string; path: string; body: Readable; idleMs: number },
  ): Promise<PeerResponse> {
    if (!m.tls) return Promise.reject(new Error(NO_CERT));
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          ...tlsRequestOptions(m, target),
          host: target.address,
          port: this.port,
          method: o.method,
          path: o.path,
          agent: false,
          headers: { 'content-type': 'application/octet-stream' },
          timeout: o.idleMs,
        },
        (res) => collect(res, resolve, reject),
      );
      req.on('timeout', () => req.destroy(new Error(`the transfer stalled for ${o.idleMs} ms`)));
      req.on('error', reject);
      o.body.on('error', (err) => req.destroy(err));
      o.body.pipe(req);
    });
  }

  /** A WebSocket to another member's listener over the same mutual TLS (forwarded consoles). */
  socket(
    m: Membership,
    target: MemberNode,
    path: string,
    headers: Record<string, string>,
  ): WebSocket {
    const host = target.address.includes(':') ? `[${target.address}]` : target.address;
    // the TLS options through an agent: ws's own option types do not carry checkServerIdentity
    const agent = new https.Agent(tlsRequestOptions(m, target));
    return new WebSocket(`wss://${host}:${this.port}${path}`, {
      agent,
      headers,
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
    });
  }

  close(): void {
    this.agent?.destroy();
  }
}

/** a WebSocket upgrade a member asked for on the listener (its certificate already checked) */
export type PeerUpgrade = (
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  peer: MemberNode,
) => void;

export type PeerHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  peer: MemberNode,
) => Promise<void>;

/** The managers' mutual-TLS listener; refuses every request of a non-member with 403. */
export async function startPeerServer(o: {
  host: string;
  port: number;
  membership: () => Membership | undefined;
  handle: PeerHandler;
  /** WebSocket upgrades (forwarded consoles); refused when not given */
  upgrade?: PeerUpgrade;
  log(line: string): void;
}): Promise<{ close(): Promise<void>; port: number }> {
  const m = o.membership();
  if (!m?.tls) throw new Error('no cluster certificate');
  let material = m.tls.cert;
  const server = https.createServer(
    { ca: m.tls.ca, cert: m.tls.cert, key: m.tls.key, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const raw = socket.getPeerX509Certificate?.();
      const who = authorizePeer(raw, o.membership());
      if (!who.ok) {
        o.log(`peer refused from ${socket.remoteAddress}: ${who.reason}`);
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ path: 'certificate', message: who.reason }] }));
        return;
      }
      o.handle(req, res, who.node).catch((err: Error) => {
        o.log(`peer ${who.node.name} ${req.method} ${req.url}: ${err.message}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ path: '', message: 'internal error' }] }));
      });
    },
  );
  server.on('tlsClientError', (err) => o.log(`peer TLS: ${err.message.split('\n')[0]}`));
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const raw = (socket as TLSSocket).getPeerX509Certificate?.();
    const who = authorizePeer(raw, o.membership());
    if (!who.ok || !o.upgrade) {
      const reason = who.ok ? 'no WebSocket here' : who.reason;
      o.log(`peer upgrade refused from ${(socket as TLSSocket).remoteAddress}: ${reason}`);
      socket.end(`HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    o.upgrade(req, socket, head, who.node);
  });
  // new material (pveca --upgrade-ca, a re-join) is taken without a restart
  const refresh = setInterval(() => {
    const now = o.membership();
    if (now?.tls && now.tls.cert !== material) {
      server.setSecureContext({ ca: now.tls.ca, cert: now.tls.cert, key: now.tls.key });
      material = now.tls.cert;
    }
  }, 5000);
  refresh.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : o.port,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(refresh);
        server.closeAllConnections();
        for (const u of upgraded) u.destroy();
        server.close(() => resolve());
      }),
  };
}
