// The join protocol between `pveca -a` (joiner), the master's join service and every member's
// service (config pushes). HTTPS on port 8007 with self-signed certificates pinned by fingerprint.
//
//   GET  /v1/hello?nonce=N  -> { cluster, master, proof }   proof = HMAC(token, N:fingerprint):
//        lets a joiner without --fingerprint check that the server it sees knows the token
//        (a man in the middle with another certificate cannot compute it) BEFORE sending the token.
//   POST /v1/join  { token, name, address, fingerprint }  -> JoinResponse (master only)
//   POST /v1/config  ClusterConfig, signed HMAC(authkey, time\nbody): the master pushes a new
//        nodelist to every member before `corosync-cfgtool -R` (members only trust the authkey).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ClusterConfig } from './model.ts';

export const PROTOCOL_VERSION = 1;

export interface HelloResponse {
  cluster: string;
  master: { name: string; address: string };
  proof: string;
}

export interface JoinRequest {
  token: string;
  name: string;
  address: string;
  /** the joiner's own service certificate, pinned by the master for later pushes */
  fingerprint: string;
}

export interface JoinResponse {
  config: ClusterConfig;
  authkey: string; // base64
  nodeid: number;
  master: { name: string; address: string; fingerprint: string };
  port: number;
  /** members the master could not push the new nodelist to (offline) */
  unreachable: string[];
}

export type ErrorCode =
  | 'wrong-token'
  | 'name-clash'
  | 'already-member'
  | 'address-clash'
  | 'not-master'
  | 'bad-request'
  | 'bad-signature'
  | 'internal';

export interface ErrorResponse {
  error: ErrorCode;
  message: string;
}

/** Constant-time token comparison (hashing first makes the lengths equal). */
export function tokensEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

export function helloProof(token: string, nonce: string, fingerprint: string): string {
  return createHmac('sha256', token).update(`${nonce}:${fingerprint}`).digest('hex');
}

export function signPush(authkey: Uint8Array, time: string, body: string): string {
  return createHmac('sha256', authkey).update(`${time}\n${body}`).digest('hex');
}

export function verifyPush(authkey: Uint8Array, time: string, body: string, signature: string, now = Date.now()): boolean {
  const t = Number(time);
  if (!Number.isFinite(t) || Math.abs(now - t) > 5 * 60_000) return false;
  const want = Buffer.from(signPush(authkey, time, body), 'hex');
  const got = Buffer.from(signature, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}
