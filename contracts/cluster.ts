// The cluster join protocol between `pveca -a` (joiner) and the cluster service every member runs
// (`pveca serve`), as data: HTTPS on port 8007, paths under PROTOCOL_PREFIX. Every body carries
// `version`: a node of another release is answered `version: protocol version N expected`, not a
// 404 (so the path prefix stays /v1 while the body version is 2). A change an older node could not
// read bumps PROTOCOL_VERSION; adding an optional field does not. Every string a node writes into
// corosync.conf or cluster.json is checked with the answer file's validators here, at the wire.
// The flow and the crypto are described in provision/cluster/protocol.ts.
import * as z from 'zod';
import {
  validateCertFingerprint,
  validateClusterName,
  validateHostIp,
  validateHostname,
  validateToken,
  type Validator,
} from './answers/validators.ts';
import { parseJson } from './json.ts';

export const PROTOCOL_VERSION = 2;
/** the URL path prefix of every request (unchanged since v1, see above) */
export const PROTOCOL_PREFIX = '/v1';

/** A string the answer file's validator accepts; its message becomes the zod issue. */
const valid = (validator: Validator) =>
  z.string().superRefine((v, ctx) => {
    const problem = validator(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const version = z.literal(PROTOCOL_VERSION, {
  error: `protocol version ${PROTOCOL_VERSION} expected (this node and the other run different openve releases)`,
});
/**
 * The protocol version a JSON body speaks, read before its schema: its `version`, or 1 for an
 * object without one (the releases before versioned bodies spoke the same /v1 paths), or null
 * when it is no JSON object (its schema names the problem). Lets both sides name the two versions
 * instead of a field error.
 */
export function bodyProtocolVersion(text: string): number | null {
  try {
    return parseJson(versionProbe, text, 'body').version ?? 1;
  } catch {
    return null;
  }
}
const versionProbe = z.object({ version: z.number().int().min(1).optional() });

/** `<them> speaks cluster protocol version N ..., <us> speaks version M: ...` */
export function protocolMismatch(theirs: number, them: string, us = 'this node'): string {
  const old = theirs === 1 ? ' (a release from before versioned requests)' : '';
  return `${them} speaks cluster protocol version ${theirs}${old}, ${us} speaks version ${PROTOCOL_VERSION}: a join needs the same version on both sides; run the same openve release on both nodes (upgrade the older one), then join again`;
}

const nodeName = valid(validateHostname);
const address = valid(validateHostIp);
const fingerprint = valid(validateCertFingerprint);
// the token's message never echoes the value (validateToken does not quote it)
const token = valid(validateToken);

export const clusterNodeSchema = z.strictObject({
  nodeid: z.number().int().min(1).max(65535),
  name: nodeName,
  /** ring0_addr: the IP corosync (knet) uses for this node */
  address,
});

/** The nodelist every member runs with (sent to every member on every change). */
export const clusterConfigSchema = z.strictObject({
  clusterName: valid(validateClusterName),
  configVersion: z.number().int().min(1),
  /** totem.token in ms (docs/design.md §5: 1000 -> a dead node is seen gone in ~3.5 s) */
  tokenMs: z.number().int().min(100).max(600_000),
  nodes: z.array(clusterNodeSchema).min(1).max(1024),
});

/**
 * Each member's service certificate, by node name: how members pin each other for pushes; and
 * (since the cluster CA) the fingerprint of its node certificate signed by the cluster CA: the
 * managers accept a peer only with that exact certificate, so removing a member revokes it.
 */
export const membersSchema = z.record(
  nodeName,
  z.strictObject({ fingerprint, nodeCert: fingerprint.optional() }),
);

const pem = (label: string) =>
  z
    .string()
    .max(16_384)
    .regex(
      new RegExp(`^-----BEGIN ${label}-----\\n[A-Za-z0-9+/=\\n]+-----END ${label}-----\\n?$`),
      `must be one PEM ${label}`,
    );
export const certPem = pem('CERTIFICATE');
export const csrPem = pem('CERTIFICATE REQUEST');
export const keyPem = pem('PRIVATE KEY');

/**
 * The cluster CA, handed to every member at join (like the corosync authkey: any quorate member
 * accepts joins, so any member signs node certificates).
 */
export const clusterCaSchema = z.strictObject({ cert: certPem, key: keyPem });

const peer = z.strictObject({ name: nodeName, address });

/** GET /v1/hello?nonce=N */
export const helloResponseSchema = z.strictObject({
  version,
  cluster: valid(validateClusterName),
  /** the member that answered */
  node: peer,
  proof: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits'),
});

/** POST /v1/join */
export const joinRequestSchema = z.strictObject({
  version,
  token,
  name: nodeName,
  address,
  /** the joiner's own service certificate, pinned by the members for later pushes */
  fingerprint,
  /** a CSR for the joiner's node certificate (a cluster with a CA signs it; CN/SAN are set by the signer) */
  csr: csrPem.optional(),
});

export const joinResponseSchema = z.strictObject({
  version,
  config: clusterConfigSchema,
  authkey: z.base64().refine((s) => Buffer.from(s, 'base64').length >= 128, {
    message: 'must be at least 128 bytes (corosync authkey)',
  }),
  nodeid: z.number().int().min(1),
  /** the member that accepted the join */
  master: z.strictObject({ name: nodeName, address, fingerprint }),
  port: z.number().int().min(1).max(65535),
  /** members the accepting node could not push the new nodelist to (offline) */
  unreachable: z.array(nodeName),
  members: membersSchema,
  /** clusters with a CA: the CA and the joiner's node certificate (signed from its CSR) */
  ca: clusterCaSchema.optional(),
  certificate: certPem.optional(),
});

/** GET /v1/config (signed): the nodelist and certificates a member runs with. */
export const snapshotSchema = z.strictObject({
  version,
  config: clusterConfigSchema,
  members: membersSchema,
});

/** POST /v1/config (signed); `reload` asks the receiver to run `corosync-cfgtool -R`. */
export const configPushSchema = snapshotSchema.extend({ reload: z.boolean().optional() });

/** POST /v1/ca (signed; `pveca --upgrade-ca`): the cluster CA for a member of an older cluster. */
export const caPushSchema = z.strictObject({ version, ca: clusterCaSchema });
/** its answer: the member made and signed its node certificate with it */
export const caAckSchema = z.strictObject({
  ok: z.literal(true),
  node: nodeName,
  nodeCert: fingerprint,
});

export const pushAckSchema = z.strictObject({
  ok: z.literal(true),
  configVersion: z.number().int().min(1),
});

export const ERROR_CODES = [
  'wrong-token',
  'name-clash',
  'already-member',
  'address-clash',
  'not-member',
  'not-coordinator',
  'not-quorate',
  'bad-request',
  'bad-signature',
  'member-unreachable',
  'internal',
] as const;

export const errorResponseSchema = z.strictObject({
  error: z.enum(ERROR_CODES),
  message: z.string().max(4096),
  /** with `not-coordinator`: the member that accepts joins right now */
  coordinator: peer.optional(),
});

/** /etc/openve/cluster.json: this node's membership (role, master, port, pinned certificates). */
export const clusterStateSchema = z.object({
  version: z.literal(1),
  clusterName: z.string(),
  role: z.enum(['master', 'node']),
  nodeName: z.string(),
  address: z.string(),
  /** join-service port on every node */
  port: z.number().int(),
  master: z.object({ name: z.string(), address: z.string(), fingerprint: z.string() }),
  /** this node's join-service certificate fingerprint */
  fingerprint: z.string(),
  /** every member's service certificate (this node's too), pinned when pushing config */
  members: membersSchema.optional(),
});

export type ClusterNode = z.infer<typeof clusterNodeSchema>;
export type ClusterConfig = z.infer<typeof clusterConfigSchema>;
export type Members = z.infer<typeof membersSchema>;
export type HelloResponse = z.infer<typeof helloResponseSchema>;
export type JoinRequest = z.infer<typeof joinRequestSchema>;
export type JoinResponse = z.infer<typeof joinResponseSchema>;
export type ClusterSnapshot = z.infer<typeof snapshotSchema>;
export type ConfigPush = z.infer<typeof configPushSchema>;
export type ErrorCode = (typeof ERROR_CODES)[number];
export type ErrorResponse = z.infer<typeof errorResponseSchema>;
export type ClusterState = z.infer<typeof clusterStateSchema>;
export type ClusterCa = z.infer<typeof clusterCaSchema>;
export type CaPush = z.infer<typeof caPushSchema>;
