// The joiner's side of the protocol: find and verify the master, then ask it to add us.
import { randomBytes } from 'node:crypto';
import tls from 'node:tls';
import { UserError } from '../../lib/errors.ts';
import {
  fetchPinned,
  normalizeFingerprint,
  PinnedFetchError,
  type PinnedResponse,
} from '../../lib/net/pinned.ts';
import {
  errorResponseSchema,
  helloResponseSchema,
  joinResponseSchema,
  PROTOCOL_PREFIX,
} from '../../contracts/cluster.ts';
import { parseJson } from '../../contracts/json.ts';
import {
  helloProof,
  type ErrorResponse,
  type JoinRequest,
  type JoinResponse,
} from './protocol.ts';
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

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorFrom(res: PinnedResponse): ErrorResponse | undefined {
  try {
    return errorResponseSchema.safeParse(JSON.parse(res.text())).data as ErrorResponse | undefined;
  } catch {
    return undefined;
  }
}

/** Establishes which certificate to pin: the given one, or one the master proves with the token. */
export async function verifiedMasterFingerprint(
  target: JoinTarget,
  timeoutMs: number,
): Promise<string> {
  if (target.fingerprint) {
    try {
      return normalizeFingerprint(target.fingerprint);
    } catch (err) {
      throw new UserError({ path: '--fingerprint', message: (err as Error).message });
    }
  }
  const seen = await probeFingerprint(target.host, target.port, timeoutMs);
  const nonce = randomBytes(16).toString('hex');
  const res = await fetchPinned(serviceUrl(target.host, target.port, `/v1/hello?nonce=${nonce}`), {
    fingerprint: seen,
    timeoutMs,
    acceptAnyStatus: true,
  });
  const err = errorFrom(res);
  if (err) throw new UserError({ path: FIELD, message: `master ${target.host}: ${err.message}` });
  const hello = helloResponseSchema.safeParse(jsonOrUndefined(res.text())).data;
  if (
    !hello ||
    hello.proof !== helloProof(target.token, hello.cluster, nonce, seen)
  ) {
    throw new UserError({
      path: '--token',
      message: `the server at ${target.host}:${target.port} (certificate ${seen}) could not prove it knows this token: wrong token, or not the master; pass the master's --fingerprint to check it directly`,
    });
  }
  return seen;
}

export async function requestJoin(
  target: JoinTarget,
  fingerprint: string,
  request: Omit<JoinRequest, 'token'>,
  timeoutMs = 60_000,
): Promise<JoinResponse> {
  const body: JoinRequest = { token: target.token, ...request };
  const res = await fetchPinned(serviceUrl(target.host, target.port, '/v1/join'), {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
    fingerprint,
    timeoutMs,
    acceptAnyStatus: true,
  });
  const err = errorFrom(res);
  if (err?.error === 'member-unreachable')
    throw new MemberUnreachableError(`master ${target.host} refused for now: ${err.message}`);
  if (err) {
    const path =
      err.error === 'wrong-token' ? '--token' : err.error === 'name-clash' ? '--node-name' : FIELD;
    throw new UserError({ path, message: `master ${target.host} refused: ${err.message}` });
  }
  if (res.status !== 200)
    throw new UserError({
      path: FIELD,
      message: `master ${target.host} answered HTTP ${res.status}`,
    });
  return parseJson(joinResponseSchema, res.text(), `master ${target.host} ${PROTOCOL_PREFIX}/join`);
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

/** The master cannot reach one of its members right now: worth retrying (at first boot, nodes come up together). */
export class MemberUnreachableError extends UserError {
  constructor(message: string) {
    super({ path: FIELD, message });
  }
}

export const isRetryable = (err: unknown): boolean =>
  err instanceof MemberUnreachableError ||
  (err instanceof PinnedFetchError && (err.kind === 'network' || err.kind === 'timeout'));
