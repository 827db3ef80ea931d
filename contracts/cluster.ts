// The cluster join protocol between `pveca -a` (joiner), the master's join service and every
// member's service, as data: HTTPS on port 8007, paths under /v<PROTOCOL_VERSION>/. A change that
// an older node could not read bumps PROTOCOL_VERSION (and the path prefix); adding an optional
// field does not. The flow and the crypto are described in provision/cluster/protocol.ts.
import * as z from 'zod';

export const PROTOCOL_VERSION = 1;
export const PROTOCOL_PREFIX = `/v${PROTOCOL_VERSION}`;

export const clusterNodeSchema = z.object({
  nodeid: z.number().int().positive(),
  name: z.string(),
  /** ring0_addr: the IP corosync (knet) uses for this node */
  address: z.string(),
});

/** The nodelist every member runs with (pushed by the master on every change). */
export const clusterConfigSchema = z.object({
  clusterName: z.string(),
  configVersion: z.number().int().positive(),
  tokenMs: z.number().int().positive(),
  nodes: z.array(clusterNodeSchema),
});

const peer = z.object({ name: z.string(), address: z.string() });

/** GET /v1/hello?nonce=N */
export const helloResponseSchema = z.object({
  cluster: z.string(),
  master: peer,
  proof: z.string(),
});

/** POST /v1/join */
export const joinRequestSchema = z.object({
  token: z.string(),
  name: z.string(),
  address: z.string(),
  /** the joiner's own service certificate, pinned by the master for later pushes */
  fingerprint: z.string(),
});

export const joinResponseSchema = z.object({
  config: clusterConfigSchema,
  authkey: z.string(), // base64
  nodeid: z.number().int().positive(),
  master: peer.extend({ fingerprint: z.string() }),
  port: z.number().int().positive(),
  /** members the master could not push the new nodelist to (offline) */
  unreachable: z.array(z.string()),
});

export const ERROR_CODES = [
  'wrong-token',
  'name-clash',
  'already-member',
  'address-clash',
  'not-master',
  'bad-request',
  'bad-signature',
  'member-unreachable',
  'internal',
] as const;

// a code this node does not know (a newer master) still reads as an error, with its message
export const errorResponseSchema = z.object({ error: z.string(), message: z.string() });

/** /etc/openve/cluster.json: this node's membership (role, master, port, pinned certificates). */
export const clusterStateSchema = z.object({
  version: z.literal(1),
  clusterName: z.string(),
  role: z.enum(['master', 'node']),
  nodeName: z.string(),
  address: z.string(),
  port: z.number().int().positive(),
  master: peer.extend({ fingerprint: z.string() }),
  fingerprint: z.string(),
  members: z.record(z.string(), z.object({ fingerprint: z.string() })).optional(),
});

export type ClusterNode = z.infer<typeof clusterNodeSchema>;
export type ClusterConfig = z.infer<typeof clusterConfigSchema>;
export type HelloResponse = z.infer<typeof helloResponseSchema>;
export type JoinRequest = z.infer<typeof joinRequestSchema>;
export type JoinResponse = z.infer<typeof joinResponseSchema>;
export type ErrorCode = (typeof ERROR_CODES)[number];
export interface ErrorResponse {
  error: ErrorCode;
  message: string;
}
export type ClusterState = z.infer<typeof clusterStateSchema>;
