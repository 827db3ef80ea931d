// The join protocol between `pveca -a` (joiner), the master's join service and every member's
// service (config pushes). HTTPS on port 8007 with self-signed certificates pinned by fingerprint.
//
//   GET  /v1/hello?nonce=N  -> { cluster, master, proof }   proof = HMAC(scrypt(token), N:fingerprint):
//        lets a joiner without --fingerprint check that the server it sees knows the token
//        (a man in the middle with another certificate cannot compute it) BEFORE sending the token.
//        scrypt makes offline guessing of a weak pre-shared token from a proof expensive.
//   POST /v1/join  { token, name, address, fingerprint }  -> JoinResponse (master only)
//   POST /v1/config  ClusterConfig, signed HMAC(authkey, time\nbody): the master pushes a new
//        nodelist to every member before `corosync-cfgtool -R` (members only trust the authkey).
//        A member applies only a higher config_version, so a replayed push changes nothing (no
//        clock window: a node's clock may be wrong at first boot).
//   GET  /v1/config  (signed the same way, empty body) -> ClusterConfig: a member that was down
//        during a push pulls the current nodelist from the master when its service starts.
import { createHash, createHmac, scryptSync, timingSafeEqual } from 'node:crypto';

export {
  PROTOCOL_VERSION,
  type ErrorCode,
  type ErrorResponse,
  type HelloResponse,
  type JoinRequest,
  type JoinResponse,
} from '../../contracts/cluster.ts';

/** Constant-time token comparison (hashing first makes the lengths equal). */
export function tokensEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

const proofKeys = new Map<string, Buffer>();
/** scrypt(token): ~50 ms once per process and token, so a proof is slow to brute-force offline */
function proofKey(token: string, cluster: string): Buffer {
  const id = `${cluster}\0${token}`;
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
  if (!/^\d{1,16}$/.test(time)) return false;
  const want = Buffer.from(signPush(authkey, time, body), 'hex');
  const got = Buffer.from(signature, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}
