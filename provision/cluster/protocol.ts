// The join protocol between `pveca -a` (joiner) and the cluster service every member runs
// (`pveca serve`). HTTPS on port 8007 with self-signed certificates pinned by fingerprint. Every
// body that crosses the network is parsed with the zod schemas below (versioned, so they can move
// to contracts/ unchanged); a bad body is answered with the field that is wrong, never a stack.
//
//   GET  /v1/hello?nonce=N  -> Hello { node, proof }   proof = HMAC(scrypt(token), N:fingerprint):
//        lets a joiner without --fingerprint check that the server it sees knows the token
//        (a man in the middle with another certificate cannot compute it) BEFORE sending the token.
//        scrypt makes offline guessing of a weak pre-shared token from a proof expensive.
//   POST /v1/join  JoinRequest -> JoinResponse. Any quorate member accepts: the one with the
//        lowest nodeid online (the coordinator, so two members never hand out one nodeid); the
//        others answer 409 `not-coordinator` naming it, and the joiner asks it instead.
//   POST /v1/config  ConfigPush, signed HMAC(authkey, time\nbody): a member that changed the
//        nodelist (join, remove, leave) sends it to every other member. A member applies only a
//        higher config_version, so a replayed push changes nothing (no clock window: a node's clock
//        may be wrong at first boot). `reload` asks the receiver to run `corosync-cfgtool -R` (a
//        leaving node cannot: its corosync is already stopped).
//   GET  /v1/config  (signed the same way, empty body) -> ClusterSnapshot: a member that was down
//        during a push pulls the current nodelist from the others when its service starts.
import { createHash, createHmac, scryptSync, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import {
  validateCertFingerprint,
  validateClusterName,
  validateHostIp,
  validateHostname,
  validateToken,
  type Validator,
} from '../../installer/answers/validators.ts';
import type { ClusterConfig } from './model.ts';

export const PROTOCOL_VERSION = 2;

/** A string the answer file's validator accepts; its message becomes the zod issue. */
const valid = (validator: Validator) =>
  z.string().superRefine((v, ctx) => {
    const problem = validator(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const version = z.literal(PROTOCOL_VERSION, {
  error: `protocol version ${PROTOCOL_VERSION} expected (this node and the other run different openve releases)`,
});
const nodeName = valid(validateHostname);
const address = valid(validateHostIp);
const fingerprint = valid(validateCertFingerprint);
// the token's message never echoes the value (validateToken does not quote it)
const token = valid(validateToken);

export const clusterConfigSchema = z.strictObject({
  clusterName: valid(validateClusterName),
  configVersion: z.number().int().min(1),
  tokenMs: z.number().int().min(100).max(600_000),
  nodes: z
    .array(z.strictObject({ nodeid: z.number().int().min(1).max(65535), name: nodeName, address }))
    .min(1)
    .max(1024),
}) satisfies z.ZodType<ClusterConfig>;

/** Each member's service certificate, by node name: how members pin each other for pushes. */
export const membersSchema = z.record(nodeName, z.strictObject({ fingerprint }));
export type Members = z.infer<typeof membersSchema>;

const peer = z.strictObject({ name: nodeName, address });

export const helloSchema = z.strictObject({
  version,
  cluster: valid(validateClusterName),
  /** the member that answered */
  node: peer,
  proof: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits'),
});
export type HelloResponse = z.infer<typeof helloSchema>;

export const joinRequestSchema = z.strictObject({
  version,
  token,
  name: nodeName,
  address,
  /** the joiner's own service certificate, pinned by the members for later pushes */
  fingerprint,
});
export type JoinRequest = z.infer<typeof joinRequestSchema>;

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
});
export type JoinResponse = z.infer<typeof joinResponseSchema>;

export const snapshotSchema = z.strictObject({
  version,
  config: clusterConfigSchema,
  members: membersSchema,
});
export type ClusterSnapshot = z.infer<typeof snapshotSchema>;

export const configPushSchema = snapshotSchema.extend({ reload: z.boolean().optional() });
export type ConfigPush = z.infer<typeof configPushSchema>;

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
export type ErrorCode = (typeof ERROR_CODES)[number];

export const errorSchema = z.strictObject({
  error: z.enum(ERROR_CODES),
  message: z.string().max(4096),
  /** with `not-coordinator`: the member that accepts joins right now */
  coordinator: peer.optional(),
});
export type ErrorResponse = z.infer<typeof errorSchema>;

export class ProtocolError extends Error {
  constructor(
    readonly what: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/**
 * Parses a JSON body with `schema`; on failure throws ProtocolError naming the first bad fields
 * (`what.field: message`). Values are never echoed beyond what the validators quote (no tokens).
 */
export function parseBody<T>(schema: z.ZodType<T>, text: string, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProtocolError(what, `${what}: not JSON`);
  }
  const r = schema.safeParse(json);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 5).map((i) => {
    const field = i.path.length ? `${what}.${i.path.join('.')}` : what;
    return `${field}: ${i.message}`;
  });
  throw new ProtocolError(what, issues.join('; '));
}

/** Constant-time token comparison (hashing first makes the lengths equal). */
export function tokensEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

const proofKeys = new Map<string, Buffer>();
/** scrypt(token): ~50 ms once per process and token, so a proof is slow to brute-force offline */
function proofKey(token: string, cluster: string): Buffer {
  const id = createHash('sha256').update(`${cluster}\0${token}`).digest('hex');
  let key = proofKeys.get(id);
  if (!key) {
    key = scryptSync(token, `openve-join:${cluster}`, 32, {
      N: 1 << 15,
      r: 8,
      p: 1,
      maxmem: 64 * 1024 * 1024,
    });
    proofKeys.set(id, key);
  }
  return key;
}

export function helloProof(
  token: string,
  cluster: string,
  nonce: string,
  fingerprint: string,
): string {
  return createHmac('sha256', proofKey(token, cluster))
    .update(`${nonce}:${fingerprint}`)
    .digest('hex');
}

export function signPush(authkey: Uint8Array, time: string, body: string): string {
  return createHmac('sha256', authkey).update(`${time}\n${body}`).digest('hex');
}

export function verifyPush(
  authkey: Uint8Array,
  time: string,
  body: string,
  signature: string,
): boolean {
  if (!/^\d{1,16}$/.test(time) || !/^[0-9a-f]{64}$/.test(signature)) return false;
  const want = Buffer.from(signPush(authkey, time, body), 'hex');
  const got = Buffer.from(signature, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}
