// Container migration in the API (POST .../cts/{id}/migrate) and on the peer listener (the
// destination's side: prepare, root file system, commit, abort), see guests/ctMigrate.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import {
  CtCommitSchema,
  CtMigrateRequestSchema,
  CtPrepareSchema,
} from '../../../contracts/manager/ct-migrate.ts';
import { ContractError, parseJson } from '../../../contracts/json.ts';
import type { Services } from '../api/services.ts';
import { ApiError } from '../api/errors.ts';
import { route, type Route } from '../api/route.ts';
import { PEER_PREFIX } from './peer.ts';

const API = '/api/v1';
const GuestParams = z.strictObject({
  node: z.string(),
  id: z.coerce.number().int('must be a guest id').min(100, 'must be a guest id (100 or more)'),
});

export function ctMigrateRoutes(s: Services): Route[] {
  return [
    route({
      method: 'POST',
      url: `${API}/nodes/:node/cts/:id/migrate`,
      tag: 'cts',
      summary:
        'move a container to another node (task vzmigrate): a running one only with restart: true (shut down, moved, started there)',
      params: GuestParams,
      body: CtMigrateRequestSchema,
      handler: async ({ params, body, principal }) => {
        if (params.node !== s.facts().name)
          throw new ApiError(404, { path: 'node', message: `no node '${params.node}' here` });
        if (!s.ctMigrate) throw new ApiError(501, { path: '', message: 'no migration here' });
        await s.cluster?.requireQuorum(
          `migrating container ${params.id}`,
          'the container and its config move to another node of the cluster',
          'target',
        );
        const { id, task } = s.ctMigrate.migrate(params.id, body, principal.user);
        return { status: 202, data: { id, task: task.id } };
      },
    }),
  ];
}

async function readJson(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 1 << 20) throw new ApiError(413, { path: '(body)', message: 'is too large' });
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8') || '{}';
}

/** the destination's side on the peer listener: true when `req` was one of its requests */
export async function ctPeerHandler(
  s: Services,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const url = req.url ?? '';
  const m = new RegExp(`^${PEER_PREFIX}/ct/(?:(prepare)|(\\d+)/(rootfs|commit|abort))$`).exec(url);
  if (!m || !s.ctMigrate) return false;
  const mig = s.ctMigrate;
  let status = 200;
  let answer: unknown = { ok: true };
  try {
    if (m[1] && req.method === 'POST')
      await mig.prepare(parseJson(CtPrepareSchema, await readJson(req), 'prepare'));
    else if (m[3] === 'rootfs' && req.method === 'PUT') await mig.receive(Number(m[2]), req);
    else if (m[3] === 'commit' && req.method === 'POST')
      await mig.commit(
        Number(m[2]),
        parseJson(CtCommitSchema, await readJson(req), 'commit').start,
      );
    else if (m[3] === 'abort' && req.method === 'POST') await mig.abort(Number(m[2]));
    else [status, answer] = [405, { errors: [{ path: '', message: `not ${req.method}` }] }];
  } catch (err) {
    if (err instanceof ApiError) [status, answer] = [err.status, { errors: err.issues }];
    else if (err instanceof ContractError)
      [status, answer] = [400, { errors: [{ path: err.field, message: err.message }] }];
    else {
      s.log(`ct migration ${url}: ${(err as Error).message}`);
      [status, answer] = [
        500,
        { errors: [{ path: '', message: (err as Error).message.split('\n')[0] ?? 'failed' }] },
      ];
    }
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(answer));
  return true;
}
