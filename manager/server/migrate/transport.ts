// The migration's calls to the other manager over the peer mutual-TLS channel: JSON requests
// (parsed with the contract's schemas) and the stream of a stopped VM's volume.
import { X509Certificate } from 'node:crypto';
import { createReadStream } from 'node:fs';
import https from 'node:https';
import type { z } from 'zod';
import { parseJson } from '../../../contracts/json.ts';
import type { ClusterService } from '../cluster/view.ts';
import { authorizePeer, PEER_PREFIX } from '../cluster/peer.ts';

export const MIGRATE_PEER = `${PEER_PREFIX}/migrate`;

/** the reason in a peer's `{"errors":[...]}` answer, else its status */
function reasonOf(status: number, body: string): string {
  try {
    const j = JSON.parse(body) as { errors?: { message?: string }[] };
    const m = j.errors?.map((e) => e.message).filter(Boolean);
    if (m?.length) return m.join('; ');
  } catch {
    /* not JSON: the status says it */
  }
  return `HTTP ${status}`;
}

export async function peerJson<T>(
  cluster: ClusterService,
  node: string,
  op: string,
  body: unknown,
  schema: z.ZodType<T>,
  timeoutMs = 60_000,
): Promise<T> {
  const member = cluster.member(node);
  if (!member) throw new Error(`'${node}' is not another member of this cluster`);
  const res = await cluster.peer(
    member,
    { method: 'POST', path: `${MIGRATE_PEER}/${op}`, body: JSON.stringify(body) },
    timeoutMs,
  );
  const text = res.body.toString('utf8');
  if (res.status !== 200) throw new Error(`${node}: ${reasonOf(res.status, text)}`);
  return parseJson(schema, text, `${op} answer of ${node}`);
}

/** Streams a file or block device to the destination's prepared volume `name` of guest `id`. */
export function peerUpload(
  cluster: ClusterService,
  peerPort: number,
  node: string,
  o: {
    id: number;
    name: string;
    source: string;
    size: number;
    timeoutMs: number;
    /** cuts the stream (the task was stopped) */
    signal?: AbortSignal;
  },
): Promise<void> {
  const m = cluster.membership.get();
  const member = cluster.member(node);
  if (!m?.tls || !member)
    return Promise.reject(new Error(`'${node}' is not another member of this cluster`));
  const tls = m.tls;
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: member.address,
        port: peerPort,
        method: 'PUT',
        path: `${MIGRATE_PEER}/volume?id=${o.id}&name=${encodeURIComponent(o.name)}&size=${o.size}`,
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        headers: { 'content-type': 'application/octet-stream', 'content-length': o.size },
        checkServerIdentity: (_host, peer) => {
          const ok = authorizePeer(new X509Certificate(peer.raw), { ...m, nodes: [member] });
          return ok.ok ? undefined : new Error(`peer ${node}: ${ok.reason}`);
        },
        timeout: o.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 200) resolve();
          else reject(new Error(`${node}: ${reasonOf(res.statusCode ?? 502, text)}`));
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)));
    req.on('error', reject);
    const cut = () => req.destroy((o.signal?.reason as Error | undefined) ?? new Error('stopped'));
    if (o.signal?.aborted) return cut();
    o.signal?.addEventListener('abort', cut, { once: true });
    req.on('close', () => o.signal?.removeEventListener('abort', cut));
    const src = createReadStream(o.source, { start: 0, end: o.size - 1 });
    src.on('error', (err) => req.destroy(err));
    src.pipe(req);
  });
}
