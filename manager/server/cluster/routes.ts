// The cluster in the API: GET /api/v1/cluster/resources, and forwarding: a request for a node
// that is another member (`/api/v1/nodes/OTHER/...`), for a guest this node does not have but
// another member reported (`/api/v1/nodes/THIS/vms/ID...`), or for a task of another node
// (`/api/v1/tasks/UPID:OTHER:...`) is sent to that member's manager over mutual TLS and its answer
// passed back as it is. The user is authenticated here first; the owner runs it as root and
// records the forwarding user in its audit log.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as z from 'zod';
import type { Services } from '../api/services.ts';
import { FIRST_ID } from './ids.ts';
import { PEER_PREFIX } from './peer.ts';
import { markForwardedSocket } from './sockets.ts';
import { route, type Route } from '../api/route.ts';

const CREATE = /^\/api\/v1\/nodes\/:node\/(vms|cts)$/;

export const FORWARDED_HEADER = 'x-openve-forwarded-by';
const API = '/api/v1';

function hasGuest(s: Services, kind: 'vms' | 'cts', id: number): boolean {
  try {
    s[kind].config(id);
    return true;
  } catch {
    return false;
  }
}

/** Where a request must go instead of here: a member's name and the path it has there. */
export function forwardTarget(
  s: Services,
  routeUrl: string,
  params: Record<string, string | undefined>,
  url: string,
): { node: string; url: string } | undefined {
  const c = s.cluster;
  const self = s.facts().name;
  if (!c) return undefined;
  if (routeUrl.startsWith(`${API}/nodes/:node`) && params.node) {
    if (params.node !== self) return c.member(params.node) ? { node: params.node, url } : undefined;
    const id = Number(params.id);
    const kind = /^\/api\/v1\/nodes\/:node\/(vms|cts)\/:id/.exec(routeUrl)?.[1] as
      'vms' | 'cts' | undefined;
    if (!kind || !Number.isInteger(id) || hasGuest(s, kind, id)) return undefined;
    const owner = c.ownerOf(id);
    if (!owner) return undefined;
    const prefix = `${API}/nodes/${encodeURIComponent(self)}/`;
    return { node: owner, url: url.replace(prefix, `${API}/nodes/${encodeURIComponent(owner)}/`) };
  }
  if (routeUrl.startsWith(`${API}/tasks/:id`) && params.id) {
    const node = /^UPID:([^:]+):/.exec(params.id)?.[1];
    if (node && node !== self && c.member(node)) return { node, url };
  }
  return undefined;
}

async function forward(
  s: Services,
  req: FastifyRequest,
  reply: FastifyReply,
  target: { node: string; url: string },
): Promise<void> {
  const member = s.cluster?.member(target.node);
  if (!member) return;
  // a console WebSocket: accepted here, then piped to the owner (sockets.ts)
  if (req.headers.upgrade) return markForwardedSocket(req, target);
  const body = req.body === undefined ? undefined : JSON.stringify(req.body);
  try {
    const res = await s.cluster!.peer(member, {
      method: req.method,
      path: `${PEER_PREFIX}/api${target.url.slice(API.length)}`,
      ...(body !== undefined ? { body } : {}),
      headers: { [FORWARDED_HEADER]: req.principal?.user ?? '' },
    });
    return reply.code(res.status).type(res.contentType).send(res.body);
  } catch (err) {
    s.log(`forward ${req.method} ${target.url} to ${target.node}: ${(err as Error).message}`);
    return reply.code(502).send({
      errors: [
        {
          path: 'node',
          message: `node ${target.node} (${member.address}) did not answer: ${(err as Error).message}`,
        },
      ],
    });
  }
}

/** Registers the forwarding hook (before the other routes). */
export function registerCluster(app: FastifyInstance, s: Services): void {
  app.addHook('preHandler', async (req, reply) => {
    const routeUrl = req.routeOptions.url;
    if (!s.cluster || !routeUrl) return;
    // a request forwarded to this node runs here, never further
    if (req.headers[FORWARDED_HEADER] === undefined) {
      const params = req.params as Record<string, string | undefined>;
      const target = forwardTarget(s, routeUrl, params, req.url);
      if (target) return forward(s, req, reply, target);
    }
    // a guest created here gets its id from the cluster's coordinator (ids.ts)
    if (req.method === 'POST' && CREATE.test(routeUrl) && s.cluster.selfName()) {
      const body = req.body as Record<string, unknown> | undefined;
      if (!body || typeof body !== 'object' || Array.isArray(body)) return;
      const wanted = body.id;
      if (wanted !== undefined && !(Number.isInteger(wanted) && (wanted as number) >= FIRST_ID))
        return; // the create route names what is wrong with it
      body.id = await s.cluster.ids.allocate(wanted as number | undefined);
    }
  });
}

// ?fresh=1: a reader that must see what the members hold now, whatever the cache. The web page no
// longer needs it: a member whose guests change tells the others (POST /peer/v1/changed over the
// managers' mutual TLS); their next read waits for its fresh answer, and their pages get a
// 'cluster' event to reload on.
const ResourcesQuery = z.strictObject({ fresh: z.enum(['0', '1']).optional() });

/** The cluster's routes in the route table (so in the OpenAPI document, with auth like the rest). */
export function clusterRoutes(s: Services): Route[] {
  return [
    route({
      method: 'GET',
      url: `${API}/cluster/resources`,
      tag: 'cluster',
      summary:
        "every member of the cluster with its guests and storages (offline members with their last known guests); from each member's last answer (at most ~1 s old while asked, refreshed in the background), or ?fresh=1: every online member asked now",
      query: ResourcesQuery,
      handler: async ({ query }) => ({
        data: s.cluster
          ? await s.cluster.resources(query.fresh === '1' ? 0 : undefined)
          : { cluster: null, nodes: [], guests: [] },
      }),
    }),
  ];
}
