// Container restart migration (issue 14 part 4): the API request and answer, and what the source
// and destination managers say to each other over the peer mutual TLS.
import * as z from 'zod';
import { CtConfigSchema, GuestId } from './guest.ts';

/** POST /api/v1/nodes/{node}/cts/{id}/migrate */
export const CtMigrateRequestSchema = z.strictObject({
  target: z.string({ error: 'must be the name of another node of the cluster' }).min(1),
  /** a running container is shut down, moved and started on the target only with restart: true */
  restart: z.boolean().optional(),
});
export type CtMigrateRequest = z.infer<typeof CtMigrateRequestSchema>;

export const CtMigrateStartedSchema = z.object({ id: z.number().int(), task: z.string() });

/** peer: the destination prepares an empty container for the config (POST /peer/v1/ct/prepare) */
export const CtPrepareSchema = z.strictObject({
  config: CtConfigSchema.extend({ id: GuestId }),
  /** the source's LXC config file (templates add keys of their own) and its root file system path */
  lxcConfig: z.string().max(1 << 16),
  rootfsPath: z.string().startsWith('/'),
});
export type CtPrepare = z.infer<typeof CtPrepareSchema>;
/** peer: the destination takes the container over, started or not (POST /peer/v1/ct/{id}/commit) */
export const CtCommitSchema = z.strictObject({ start: z.boolean() });
/** a peer's answer: ok, or the problems naming fields */
export const CtPeerAnswerSchema = z.union([
  z.strictObject({ ok: z.literal(true) }),
  z.strictObject({
    errors: z.array(z.strictObject({ path: z.string(), message: z.string() })).min(1),
  }),
]);
