// The cluster view of the node managers: what a manager answers a peer (over mutual TLS) and
// what GET /api/v1/cluster/resources answers a client. Parsed with these schemas at the wire.
import * as z from 'zod';

/** A guest as a node lists it (the list views carry more fields; they pass through). */
export const GuestSummarySchema = z.looseObject({
  id: z.number().int().min(1),
  kind: z.enum(['vm', 'ct']),
  name: z.string(),
  state: z.string(),
});

/** GET /peer/v1/resources: one node's own resources. */
export const PeerResourcesSchema = z.strictObject({
  node: z.string().min(1).max(63),
  status: z.record(z.string(), z.unknown()),
  storages: z.array(z.record(z.string(), z.unknown())),
  guests: z.array(GuestSummarySchema),
});

export const ClusterNodeViewSchema = z.strictObject({
  name: z.string(),
  nodeid: z.number().int().nullable(),
  address: z.string().nullable(),
  /** the node that answered this request */
  local: z.boolean(),
  online: z.boolean(),
  /** when this node last answered (ISO time); null: never since this manager started */
  lastSeen: z.string().nullable(),
  /** why it is shown offline */
  error: z.string().optional(),
  status: z.record(z.string(), z.unknown()).nullable(),
  storages: z.array(z.record(z.string(), z.unknown())),
});

export const ClusterResourcesSchema = z.strictObject({
  /** null: this node is in no cluster (the view is this node alone) */
  cluster: z.string().nullable(),
  nodes: z.array(ClusterNodeViewSchema),
  /** every node's guests; `stale: true` for the last known guests of an offline node */
  guests: z.array(GuestSummarySchema.extend({ node: z.string(), stale: z.boolean() }).loose()),
});

/** What a manager keeps of the last answer of each peer (DIR/cluster/last.json). */
export const LastKnownSchema = z.record(
  z.string(),
  z.strictObject({ at: z.string(), resources: PeerResourcesSchema }),
);

export type GuestSummary = z.infer<typeof GuestSummarySchema>;
export type PeerResources = z.infer<typeof PeerResourcesSchema>;
export type ClusterNodeView = z.infer<typeof ClusterNodeViewSchema>;
export type ClusterResources = z.infer<typeof ClusterResourcesSchema>;
export type LastKnown = z.infer<typeof LastKnownSchema>;
