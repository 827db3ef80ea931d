// HTTP(S) requests with optional certificate pinning (docs/design.md §3): answer files, first-boot
// scripts, webhooks and `pveca` joins are fetched from servers that often have self-signed
// certificates. With a SHA-256 fingerprint the server certificate is accepted iff it matches
// (CA chain and host name ignored: the pin is the trust); without one, normal CA verification.
//
// The TLS handshake (and the pin check) completes BEFORE any byte of the request is written, so
// a request body holding a token never reaches a server that failed the check.
import { X509Certificate } from 'node:crypto';
import http from 'node:http';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import net from 'node:net';
import tls from 'node:tls';

export interface FetchPinnedOptions {
  /** SHA-256 fingerprint of the server certificate; case-insensitive, colons optional */
  fingerprint?: string;
  method?: string;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  /** whole request: connect, handshake, response; default 30 s */
  timeoutMs?: number;
  /** refuse larger response bodies; default 16 MiB */
  maxBytes?: number;
  /** extra trusted CA certificates (PEM) for the unpinned case; default: Node's bundled CAs */
  ca?: string | string[];
  /** default false: 2xx only, anything else throws PinnedFetchError('http-status') */
  acceptAnyStatus?: boolean;
}

export interface PinnedResponse {
  url: string;
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** the body decoded as UTF-8 */
  text(): string;
  /** https only: the server certificate's fingerprint, canonical form (AA:BB:...) */
  peerFingerprint?: string;
}

export type PinnedFetchErrorKind =
  | 'url' // not an http(s) URL, or a fingerprint on http://
  | 'fingerprint' // pinned fingerprint does not match, or is malformed
  | 'tls' // CA verification failed (unpinned)
  | 'timeout'
  | 'network' // DNS, connection refused, reset
  | 'http-status'
  | 'too-large';

export class PinnedFetchError extends Error {
  readonly kind: PinnedFetchErrorKind;
  readonly url: string;
  readonly status?: number;
  constructor(kind: PinnedFetchErrorKind, url: string, message: string, status?: number) {
    super(message);
    this.name = 'PinnedFetchError';
    this.kind = kind;
    this.url = url;
    if (status !== undefined) this.status = status;
  }
}

const HEX64 = /^[0-9A-F]{64}$/;

/** Canonical fingerprint: upper-case hex pairs joined by ':'. Throws on anything that is not 32 bytes of hex. */
export function normalizeFingerprint(input: string): string {
  const hex = input.trim().replace(/:/g, '').toUpperCase();
  if (!HEX64.test(hex)) {
    throw new Error(
      `not a SHA-256 certificate fingerprint: expected 64 hex digits (colons optional, e.g. AB:CD:...), got ${JSON.stringify(input)}`,
    );
  }
  return hex.match(/../g)!.join(':');
}

/** true when `input` is a SHA-256 fingerprint normalizeFingerprint accepts (for validators). */
export function isFingerprint(input: string): boolean {
  return HEX64.test(input.trim().replace(/:/g, '').toUpperCase());
}

export function fingerprintsEqual(a: string, b: string): boolean {
  return normalizeFingerprint(a) === normalizeFingerprint(b);
}

/** SHA-256 fingerprint of the (first) certificate in a PEM text, canonical form. */
export function certFingerprint(pem: string | Buffer): string {
  return normalizeFingerprint(new X509Certificate(pem).fingerprint256);
}

/** Redact userinfo (user:password@) from a URL before it reaches a message or log. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    return u.toString();
  } catch {
    return url;
  }
}

export async function fetchPinned(
  url: string,
  options: FetchPinnedOptions = {},
): Promise<PinnedResponse> {
  const shown = safeUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PinnedFetchError('url', shown, `not a valid URL: ${shown}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new PinnedFetchError(
      'url',
      shown,
      `unsupported URL scheme '${parsed.protocol}' in ${shown}: use http:// or https://`,
    );
  }
  let pin: string | undefined;
  if (options.fingerprint !== undefined && options.fingerprint.trim() !== '') {
    try {
      pin = normalizeFingerprint(options.fingerprint);
    } catch (err) {
      throw new PinnedFetchError('fingerprint', shown, (err as Error).message);
    }
    if (parsed.protocol !== 'https:') {
      throw new PinnedFetchError(
        'url',
        shown,
        `a certificate fingerprint was given for ${shown}, but it is not https://`,
      );
    }
  }

  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));

  return new Promise<PinnedResponse>((resolve, reject) => {
    let settled = false;
    let socket: net.Socket | undefined;
    const finish = (err: PinnedFetchError | null, value?: PinnedResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        socket?.destroy();
        reject(err);
      } else resolve(value!);
    };
    const timer = setTimeout(
      () =>
        finish(
          new PinnedFetchError(
            'timeout',
            shown,
            `timed out after ${timeoutMs} ms fetching ${shown}`,
          ),
        ),
      timeoutMs,
    );
    const netError = (err: Error & { code?: string }) =>
      finish(
        new PinnedFetchError(
          'network',
          shown,
          `cannot reach ${shown}: ${err.code ?? err.message}${err.code ? ` (${err.message})` : ''}`,
        ),
      );

    const sendRequest = (connected: net.Socket, peerFingerprint?: string) => {
      const headers: OutgoingHttpHeaders = { 'user-agent': 'openve-install', ...options.headers };
      if (options.body !== undefined) headers['content-length'] = Buffer.byteLength(options.body);
      const req = http.request(
        {
          method: options.method ?? (options.body !== undefined ? 'POST' : 'GET'),
          host: parsed.host,
          path: `${parsed.pathname}${parsed.search}`,
          headers,
          createConnection: () => connected,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              finish(
                new PinnedFetchError(
                  'too-large',
                  shown,
                  `response from ${shown} is larger than ${maxBytes} bytes`,
                ),
              );
              res.destroy();
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', netError);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const statusText = res.statusMessage ?? '';
            const body = Buffer.concat(chunks);
            if (!options.acceptAnyStatus && (status < 200 || status > 299)) {
              const location = res.headers.location
                ? ` (redirect to ${res.headers.location}; redirects are not followed)`
                : '';
              finish(
                new PinnedFetchError(
                  'http-status',
                  shown,
                  `HTTP ${status} ${statusText} from ${shown}${location}`.replace(/ +/g, ' '),
                  status,
                ),
              );
              return;
            }
            const response: PinnedResponse = {
              url: shown,
              status,
              statusText,
              headers: res.headers,
              body,
              text: () => body.toString('utf8'),
            };
            if (peerFingerprint) response.peerFingerprint = peerFingerprint;
            finish(null, response);
            connected.destroy();
          });
        },
      );
      req.on('error', netError);
      req.end(options.body);
    };

    if (parsed.protocol === 'http:') {
      socket = net.connect({ host, port }, () => sendRequest(socket!));
      socket.on('error', netError);
      return;
    }

    const servername = net.isIP(host) ? undefined : host;
    // rejectUnauthorized is off so that the certificate can be inspected either way; the
    // decision is made below, on secureConnect, before anything is written.
    const tlsSocket = tls.connect({
      host,
      port,
      ...(servername ? { servername } : {}),
      rejectUnauthorized: false,
      ...(options.ca ? { ca: options.ca } : {}),
      ALPNProtocols: ['http/1.1'],
    });
    socket = tlsSocket;
    tlsSocket.on('error', netError);
    tlsSocket.once('secureConnect', () => {
      const cert = tlsSocket.getPeerCertificate();
      const got =
        cert && cert.fingerprint256 ? normalizeFingerprint(cert.fingerprint256) : undefined;
      if (pin !== undefined) {
        if (got !== pin) {
          finish(
            new PinnedFetchError(
              'fingerprint',
              shown,
              `certificate fingerprint mismatch for ${shown}: expected ${pin}, got ${got ?? 'no certificate'}`,
            ),
          );
          return;
        }
      } else if (!tlsSocket.authorized) {
        // CA chain or host name check failed (Node sets authorizationError for both)
        const reason = String(tlsSocket.authorizationError ?? 'unknown verification error');
        const hint = got
          ? `; if you trust this server, pin its certificate fingerprint ${got}`
          : '';
        finish(
          new PinnedFetchError(
            'tls',
            shown,
            `TLS certificate of ${shown} not trusted: ${reason}${hint}`,
          ),
        );
        return;
      }
      sendRequest(tlsSocket, got);
    });
  });
}
