// The joiner's side of the protocol: find and verify a member, then ask it to add us.
import { randomBytes } from 'node:crypto';
import tls from 'node:tls';
import { UserError } from '../../lib/errors.ts';
import {
  fetchPinned,
  normalizeFingerprint,
  PinnedFetchError,
  type PinnedResponse,
} from '../../lib/net/pinned.ts';
import type * as z from 'zod';
import {
  bodyProtocolVersion,
  errorResponseSchema,
  helloResponseSchema,
  protocolMismatch,
  joinResponseSchema,
  PROTOCOL_PREFIX,
  PROTOCOL_VERSION,
} from '../../contracts/cluster.ts';
import { ContractError, parseJson } from '../../contracts/json.ts';
import { helloProof, type ErrorResponse, type JoinRequest, type JoinResponse } from './protocol.ts';
import { serviceUrl } from './push.ts';

/** The server certificate's fingerprint, read from the TLS handshake only (nothing is sent). */
export function probeFingerprint(host: string, port: number, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host,
      port,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new PinnedFetchError(
          'timeout',
          `https://${host}:${port}`,
          `timed out connecting to ${host}:${port}`,
        ),
      );
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.destroy();
      if (fp) resolve(normalizeFingerprint(fp));
      else
        reject(
          new PinnedFetchError(
            'fingerprint',
            `https://${host}:${port}`,
            'server sent no certificate',
          ),
        );
    });
    socket.once('error', (err: Error & { code?: string }) => {
      clearTimeout(timer);
      reject(
        new PinnedFetchError(
          'network',
          `https://${host}:${port}`,
          `cannot reach ${host}:${port}: ${err.code ?? err.message}`,
        ),
      );
    });
  });
}

export interface JoinTarget {
  host: string;
  port: number;
  token: string;
  fingerprint?: string;
}

const FIELD = 'pveca -a';

function errorFrom(res: PinnedResponse): ErrorResponse | undefined {
  if (res.status === 200) return undefined;
  try {
    return parseJson(errorResponseSchema, res.text(), 'error reply');
  } catch {
    return undefined;
  }
}

/** A 200 body parsed with its schema; a malformed answer is named by field, as the member's fault. */
function answer<S extends z.ZodType>(
  res: PinnedResponse,
  schema: S,
  host: string,
  what: string,
): z.output<S> {
  if (res.status !== 200)
    throw new UserError({ path: FIELD, message: `member ${host} answered HTTP ${res.status}` });
  checkProtocol(res, host);
  try {
    return parseJson(schema, res.text(), what);
  } catch (err) {
    if (err instanceof ContractError)
      throw new UserError({ path: FIELD, message: `member ${host} sent a bad ${err.message}` });
    throw err;
  }
}

/** A member of another release: both versions named, before anything is sent or written. */
function checkProtocol(res: PinnedResponse, host: string): void {
  const theirs = bodyProtocolVersion(res.text());
  if (theirs !== null && theirs !== PROTOCOL_VERSION)
    throw new UserError({ path: FIELD, message: protocolMismatch(theirs, `member ${host}`) });
}

/**
 * Establishes which certificate to pin: the given one, or one the member proves with the token.
 * Either way the member's hello comes first: a member of another protocol version is named before
 * the token is sent (a release before versioned requests would otherwise accept a join whose
 * answer this node cannot read, leaving the member with a node that never arrives).
 */
export async function verifiedMasterFingerprint(
  target: JoinTarget,
  timeoutMs: number,
): Promise<string> {
  if (target.fingerprint) {
    let pinned: string;
    try {
      pinned = normalizeFingerprint(target.fingerprint);
    } catch (err) {
      throw new UserError({ path: '--fingerprint', message: (err as Error).message });
    }
    const res = await fetchPinned(
      serviceUrl(
        target.host,
        target.port,
        `${PROTOCOL_PREFIX}/hello?nonce=${randomBytes(16).toString('hex')}`,
      ),
      { fingerprint: pinned, timeoutMs, acceptAnyStatus: true },
    );
    // only the version here: the token is checked by the member itself (it answers wrong-token)
    if (res.status === 200) checkProtocol(res, target.host);
    return pinned;
  }
  const seen = await probeFingerprint(target.host, target.port, timeoutMs);
  const nonce = randomBytes(16).toString('hex');
  const res = await fetchPinned(
    serviceUrl(target.host, target.port, `${PROTOCOL_PREFIX}/hello?nonce=${nonce}`),
    {
      fingerprint: seen,
      timeoutMs,
      acceptAnyStatus: true,
    },
  );
  const err = errorFrom(res);
  if (err) throw new UserError({ path: FIELD, message: `member ${target.host}: ${err.message}` });
  const hello = answer(res, helloResponseSchema, target.host, 'hello');
  if (hello.proof !== helloProof(target.token, hello.cluster, nonce, seen)) {
    throw new UserError({
      path: '--token',
      message: `the server at ${target.host}:${target.port} (certificate ${seen}) could not prove it knows this token: wrong token, or not a member; pass the master's --fingerprint to check it directly`,
    });
  }
  return seen;
}

export async function requestJoin(
  target: JoinTarget,
  fingerprint: string,
  request: Omit<JoinRequest, 'token' | 'version'>,
  timeoutMs = 60_000,
): Promise<JoinResponse> {
  const body: JoinRequest = { version: PROTOCOL_VERSION, token: target.token, ...request };
  const res = await fetchPinned(serviceUrl(target.host, target.port, `${PROTOCOL_PREFIX}/join`), {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
    fingerprint,
    timeoutMs,
    acceptAnyStatus: true,
  });
  const err = errorFrom(res);
  if (err?.error === 'member-unreachable' || err?.error === 'not-quorate')
    throw new MemberUnreachableError(`member ${target.host} refused for now: ${err.message}`);
  if (err?.error === 'not-coordinator' && err.coordinator)
    throw new NotCoordinatorError(err.message, err.coordinator);
  if (err) {
    const path =
      err.error === 'wrong-token' ? '--token' : err.error === 'name-clash' ? '--node-name' : FIELD;
    throw new UserError({ path, message: `member ${target.host} refused: ${err.message}` });
  }
  return answer(res, joinResponseSchema, target.host, 'join response');
}

/** Turns transport failures into the user-facing message (master unreachable, fingerprint mismatch). */
export function explainTransport(err: unknown, host: string, port: number): unknown {
  if (!(err instanceof PinnedFetchError)) return err;
  if (err.kind === 'fingerprint')
    return new UserError({
      path: '--fingerprint',
      message: `master ${host}:${port}: ${err.message}`,
    });
  if (err.kind === 'network' || err.kind === 'timeout') {
    return new UserError({
      path: '-h',
      message: `master ${host}:${port} unreachable (${err.message}); is 'pveca -c' done there and port ${port} open?`,
    });
  }
  return new UserError({ path: FIELD, message: err.message });
}

/** The member answered "ask the coordinator instead". */
export class NotCoordinatorError extends UserError {
  constructor(
    message: string,
    readonly coordinator: { name: string; address: string },
  ) {
    super({ path: FIELD, message });
  }
}

/** The member cannot reach another member, or is not quorate, right now: worth retrying (at first boot, nodes come up together). */
export class MemberUnreachableError extends UserError {
  constructor(message: string) {
    super({ path: FIELD, message });
  }
}

export const isRetryable = (err: unknown): boolean =>
  err instanceof MemberUnreachableError ||
  (err instanceof PinnedFetchError && (err.kind === 'network' || err.kind === 'timeout'));
