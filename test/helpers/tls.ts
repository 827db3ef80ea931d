// Throwaway TLS for tests: a self-signed certificate made by the real openssl (the same command as
// the join service's, lib/net/selfsigned.ts) and an HTTPS or HTTP server on 127.0.0.1.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { realRunner } from '../../lib/exec/runner.ts';
import { certFingerprint } from '../../lib/net/pinned.ts';
import { selfSignedArgv } from '../../lib/net/selfsigned.ts';

export interface TestCert {
  keyFile: string;
  certFile: string;
  key: string;
  cert: string;
  /** SHA-256, `AB:CD:...` */
  fingerprint: string;
}

/** `<dir>/<name>.key` and `<dir>/<name>.pem`, valid for two days */
export async function selfSignedCert(
  dir: string,
  subject: string,
  opts: { name?: string; subjectAltName?: string } = {},
): Promise<TestCert> {
  const name = opts.name ?? 'server';
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.pem`);
  await realRunner().run(
    selfSignedArgv({ keyFile, certFile, subject, subjectAltName: opts.subjectAltName, days: 2 }),
  );
  const cert = readFileSync(certFile, 'utf8');
  return {
    keyFile,
    certFile,
    key: readFileSync(keyFile, 'utf8'),
    cert,
    fingerprint: certFingerprint(cert),
  };
}

export interface TestServer {
  server: http.Server | https.Server;
  /** `https://127.0.0.1:PORT` (or http://) */
  base: string;
  close(): Promise<void>;
}

/** listens on an ephemeral port of 127.0.0.1: HTTPS with `cert`, plain HTTP without */
export async function serve(
  handler: http.RequestListener,
  cert?: Pick<TestCert, 'key' | 'cert'>,
): Promise<TestServer> {
  const server = cert
    ? https.createServer({ key: cert.key, cert: cert.cert }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    base: `${cert ? 'https' : 'http'}://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** a handler that collects the request body and hands it over with the request */
export function withBody(
  fn: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void,
): http.RequestListener {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => fn(req, res, Buffer.concat(chunks)));
  };
}
