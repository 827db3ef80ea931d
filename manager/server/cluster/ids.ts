// Cluster-unique guest ids (100, 101, ... like Proxmox VMIDs). Scheme: allocation on the
// coordinator, the member with the lowest nodeid in corosync's quorate membership (the same rule
// pveca uses for joins, so there is no consensus protocol of ours: corosync decides who is in
// and who has quorum). Every member asks the coordinator (over mutual TLS); the coordinator
// serialises requests, checks the id against every member's guests (a fresh fan-out, offline
// members by their last known guests) and the ids it handed out in the last minutes, and answers.
// Two nodes creating at once therefore never get one id; a partition without quorum cannot
// allocate at all (it says so), so the two sides of a split can never both hand out an id.
// Why not per-node ranges: they need no quorum but give ids like 2000, 3000 per node and break
// the moment a guest migrates (its id then lies in another node's range), which migration makes
// the normal case.
import * as z from 'zod';
import { parseJson } from '../../../contracts/json.ts';
import type { MemberNode } from '../../../provision/index.ts';
import { ApiError, badRequest } from '../api/errors.ts';
import { PEER_PREFIX } from './peer.ts';
import type { ClusterService } from './view.ts';

export const FIRST_ID = 100;
const HOLD_MS = 10 * 60_000;

export const IdRequestSchema = z.strictObject({
  wanted: z.number().int().min(FIRST_ID).optional(),
});
export const IdAnswerSchema = z.union([
  z.strictObject({ id: z.number().int().min(FIRST_ID) }),
  z.strictObject({
    errors: z.array(z.strictObject({ path: z.string(), message: z.string() })).min(1),
  }),
]);

/** The lowest free id from FIRST_ID, or `wanted` when free; pure. */
export function pickId(used: ReadonlyMap<number, string>, wanted?: number): number | string {
  if (wanted !== undefined) {
    const who = used.get(wanted);
    return who ? `${wanted} is already used by ${who}` : wanted;
  }
  let id = FIRST_ID;
  while (used.has(id)) id++;
  return id;
}

export class IdAllocator {
  private readonly held = new Map<number, number>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly cluster: ClusterService) {}

  /** The coordinator now: the member with the lowest nodeid in the quorate membership. */
  async coordinator(): Promise<MemberNode> {
    const m = this.cluster.membership.get();
    if (!m) throw new Error('not in a cluster');
    const q = await this.cluster.requireQuorum(
      'creating a guest',
      'guest ids are unique in the cluster',
      'id',
    );
    const online = new Set(q.members);
    const c = [...m.nodes].sort((a, b) => a.nodeid - b.nodeid).find((n) => online.has(n.nodeid));
    if (!c) throw new ApiError(503, { path: 'id', message: 'no member of the cluster is online' });
    return c;
  }

  /** An id for a new guest (asks the coordinator, or is it). */
  async allocate(wanted?: number): Promise<number> {
    const c = await this.coordinator();
    if (c.name === this.cluster.selfName()) return this.allocateHere(wanted);
    const res = await this.cluster
      .peer(c, {
        method: 'POST',
        path: `${PEER_PREFIX}/ids`,
        body: JSON.stringify(wanted === undefined ? {} : { wanted }),
      })
      .catch((err: Error) => {
        throw new ApiError(503, {
          path: 'id',
          message: `the id coordinator ${c.name} (${c.address}) did not answer: ${err.message}`,
        });
      });
    const answer = parseJson(IdAnswerSchema, res.body.toString('utf8'), `id answer of ${c.name}`);
    if ('errors' in answer) throw new ApiError(res.status >= 400 ? res.status : 400, answer.errors);
    return answer.id;
  }

  /** On the coordinator: serialised, checked against every member's guests and recent grants. */
  allocateHere(wanted?: number): Promise<number> {
    const run = async () => {
      const c = await this.coordinator();
      if (c.name !== this.cluster.selfName())
        throw new ApiError(409, {
          path: 'id',
          message: `${this.cluster.selfName()} is not the id coordinator (${c.name} is)`,
        });
      const view = await this.cluster.resources(0);
      const now = Date.now();
      const used = new Map<number, string>();
      for (const [id, until] of this.held)
        if (until < now) this.held.delete(id);
        else used.set(id, 'a guest being created');
      for (const g of view.guests)
        used.set(g.id, `${g.kind === 'vm' ? 'VM' : 'container'} ${g.id} on ${g.node}`);
      const picked = pickId(used, wanted);
      if (typeof picked === 'string') throw badRequest({ path: 'id', message: picked });
      this.held.set(picked, now + HOLD_MS);
      return picked;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
