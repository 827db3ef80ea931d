import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { realRunner } from '../../../lib/exec/runner.ts';
import { selfSignedCert, serve, withBody, type TestServer } from '../../helpers/tls.ts';
import {
  PinnedFetchError,
  fetchPinned,
  isFingerprint,
  normalizeFingerprint,
  safeUrl,
} from '../../../lib/net/pinned.ts';

// A self-signed certificate made by openssl for this run, and a local https server on 127.0.0.1.
let dir: string;
let certPem: string;
let fingerprint: string;
let certFile: string;
let httpsServer: TestServer;
let httpServer: TestServer;
let httpsBase: string;
let httpBase: string;
const seen: { method: string; url: string; body: string; headers: http.IncomingHttpHeaders }[] = [];

const handler = withBody((req, res, body) => {
  seen.push({
    method: req.method ?? '',
    url: req.url ?? '',
    body: body.toString(),
    headers: req.headers,
  });
  if (req.url === '/answer.toml') {
    res
      .writeHead(200, { 'content-type': 'application/toml' })
      .end('[global]\nkeyboard = "en-us"\n');
  } else if (req.url === '/echo') {
    res.writeHead(200).end(body);
  } else if (req.url === '/slow') {
    setTimeout(() => res.writeHead(200).end('late'), 2000);
  } else if (req.url === '/big') {
    res.writeHead(200).end('x'.repeat(5000));
  } else if (req.url === '/moved') {
    res.writeHead(302, { location: '/elsewhere' }).end();
  } else {
    res.writeHead(404, 'Not Found').end('nope');
  }
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'openve-pinned-'));
  const cert = await selfSignedCert(dir, '/CN=localhost', {
    subjectAltName: 'IP:127.0.0.1,DNS:localhost',
  });
  certPem = cert.cert;
  certFile = cert.certFile;
  fingerprint = cert.fingerprint;
  httpsServer = await serve(handler, cert);
  httpServer = await serve(handler);
  httpsBase = httpsServer.base;
  httpBase = httpServer.base;
});

afterAll(async () => {
  await httpsServer?.close();
  await httpServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('normalizeFingerprint', () => {
  const hex = 'ab'.repeat(32);
  it('accepts upper/lower case, with or without colons, and returns AA:BB form', () => {
    const canonical = Array(32).fill('AB').join(':');
    expect(normalizeFingerprint(hex)).toBe(canonical);
    expect(normalizeFingerprint(canonical.toLowerCase())).toBe(canonical);
    expect(normalizeFingerprint(`  ${canonical} `)).toBe(canonical);
    expect(isFingerprint(hex)).toBe(true);
  });
  it('rejects wrong length or non-hex with a message naming the expected form', () => {
    expect(() => normalizeFingerprint('ab'.repeat(20))).toThrow(/64 hex digits/);
    expect(() => normalizeFingerprint('zz'.repeat(32))).toThrow(
      /not a SHA-256 certificate fingerprint/,
    );
    expect(isFingerprint('')).toBe(false);
  });
});

describe('certFingerprint', () => {
  it('matches openssl x509 -fingerprint -sha256', async () => {
    const out = await realRunner().run([
      'openssl',
      'x509',
      '-in',
      certFile,
      '-noout',
      '-fingerprint',
      '-sha256',
    ]);
    const fromOpenssl = out.stdout.trim().split('=')[1]!;
    expect(fingerprint).toBe(normalizeFingerprint(fromOpenssl));
  });
});

describe('fetchPinned over https', () => {
  it('accepts a self-signed certificate whose fingerprint matches (any case, no colons)', async () => {
    const res = await fetchPinned(`${httpsBase}/answer.toml`, {
      fingerprint: fingerprint.replace(/:/g, '').toLowerCase(),
    });
    expect(res.status).toBe(200);
    expect(res.text()).toContain('keyboard = "en-us"');
    expect(res.peerFingerprint).toBe(fingerprint);
  });

  it('refuses a mismatching fingerprint, names both, and sends nothing', async () => {
    const before = seen.length;
    const wrong = Array(32).fill('00').join(':');
    const err = await fetchPinned(`${httpsBase}/echo`, {
      fingerprint: wrong,
      body: 'token=secret',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PinnedFetchError);
    expect((err as PinnedFetchError).kind).toBe('fingerprint');
    expect((err as Error).message).toBe(
      `certificate fingerprint mismatch for ${httpsBase}/echo: expected ${wrong}, got ${fingerprint}`,
    );
    expect(seen.length).toBe(before);
  });

  it('without a fingerprint, verifies against CAs: self-signed fails and the message shows what to pin', async () => {
    const err = await fetchPinned(`${httpsBase}/answer.toml`).catch((e: unknown) => e);
    expect((err as PinnedFetchError).kind).toBe('tls');
    expect((err as Error).message).toMatch(
      /not trusted: DEPTH_ZERO_SELF_SIGNED_CERT; if you trust this server, pin/,
    );
    expect((err as Error).message).toContain(fingerprint);
  });

  it('without a fingerprint, succeeds when the certificate chains to a given CA', async () => {
    const res = await fetchPinned(`${httpsBase}/answer.toml`, { ca: certPem });
    expect(res.status).toBe(200);
  });

  it('without a fingerprint, checks the host name too', async () => {
    const other = await selfSignedCert(dir, '/CN=other.test', {
      name: 'other',
      subjectAltName: 'DNS:other.test',
    });
    const server = await serve(handler, other);
    try {
      const err = await fetchPinned(`${server.base}/answer.toml`, {
        ca: other.cert,
      }).catch((e: unknown) => e);
      expect((err as PinnedFetchError).kind).toBe('tls');
      expect((err as Error).message).toMatch(/not trusted: ERR_TLS_CERT_ALTNAME_INVALID/);
      // the same server is fine when pinned: the pin replaces CA and host name checks
      const ok = await fetchPinned(`${server.base}/answer.toml`, {
        fingerprint: other.fingerprint,
      });
      expect(ok.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('POSTs a body (e.g. the system-info JSON) with headers', async () => {
    const res = await fetchPinned(`${httpsBase}/echo`, {
      fingerprint,
      method: 'POST',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.text()).toBe('{"a":1}');
    const last = seen.at(-1)!;
    expect(last.method).toBe('POST');
    expect(last.headers['content-type']).toBe('application/json');
  });

  it('reports HTTP errors with status, and redirects it does not follow', async () => {
    const err = await fetchPinned(`${httpsBase}/missing`, { fingerprint }).catch((e: unknown) => e);
    expect((err as PinnedFetchError).kind).toBe('http-status');
    expect((err as PinnedFetchError).status).toBe(404);
    expect((err as Error).message).toBe(`HTTP 404 Not Found from ${httpsBase}/missing`);
    const moved = await fetchPinned(`${httpsBase}/moved`, { fingerprint }).catch((e: unknown) => e);
    expect((moved as Error).message).toMatch(/HTTP 302 .*redirect to \/elsewhere/);
    const any = await fetchPinned(`${httpsBase}/missing`, { fingerprint, acceptAnyStatus: true });
    expect(any.status).toBe(404);
  });

  it('times out with a clear message', async () => {
    const err = await fetchPinned(`${httpsBase}/slow`, { fingerprint, timeoutMs: 200 }).catch(
      (e: unknown) => e,
    );
    expect((err as PinnedFetchError).kind).toBe('timeout');
    expect((err as Error).message).toBe(`timed out after 200 ms fetching ${httpsBase}/slow`);
  });

  it('refuses bodies over maxBytes', async () => {
    const err = await fetchPinned(`${httpsBase}/big`, { fingerprint, maxBytes: 1000 }).catch(
      (e: unknown) => e,
    );
    expect((err as PinnedFetchError).kind).toBe('too-large');
  });
});

describe('fetchPinned over http and bad input', () => {
  it('fetches plain http', async () => {
    const res = await fetchPinned(`${httpBase}/answer.toml`);
    expect(res.text()).toContain('[global]');
    expect(res.peerFingerprint).toBeUndefined();
  });
  it('refuses a fingerprint for http://', async () => {
    await expect(fetchPinned(`${httpBase}/answer.toml`, { fingerprint })).rejects.toThrow(
      /not https/,
    );
  });
  it('refuses other schemes and malformed URLs / fingerprints', async () => {
    await expect(fetchPinned('ftp://127.0.0.1/a')).rejects.toThrow(/unsupported URL scheme 'ftp:'/);
    await expect(fetchPinned('not a url')).rejects.toThrow(/not a valid URL/);
    await expect(fetchPinned(`${httpsBase}/a`, { fingerprint: 'abc' })).rejects.toThrow(
      /64 hex digits/,
    );
  });
  it('reports a refused connection as a network error', async () => {
    const closed = await serve(() => undefined);
    await closed.close();
    const err = await fetchPinned(`${closed.base}/`).catch((e: unknown) => e);
    expect((err as PinnedFetchError).kind).toBe('network');
    expect((err as Error).message).toMatch(/cannot reach .*ECONNREFUSED/);
  });
  it('hides URL credentials in messages', () => {
    expect(safeUrl('https://user:pw@example.test/x')).toBe('https://***@example.test/x');
  });
});
