// The manager's HTTPS certificate (made with lib/net/selfsigned.ts): real openssl, made once.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunner } from '../../../lib/exec/index.ts';
import { ensureCertificate } from '../../../manager/server/tls.ts';

describe('ensureCertificate', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a self-signed certificate for the host and localhost once, key 0600', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'openve-cleanup-tls-'));
    const runner = createRunner('real');
    const first = await ensureCertificate(runner, dir, 'node1');
    const x = new X509Certificate(first.cert);
    expect(x.subject).toContain('CN=node1');
    expect(x.subjectAltName).toContain('DNS:node1');
    expect(x.subjectAltName).toContain('DNS:localhost');
    expect(x.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(x.checkIssued(x)).toBe(true);
    expect(statSync(path.join(dir, 'node.key')).mode & 0o777).toBe(0o600);
    const again = await ensureCertificate(runner, dir, 'node1');
    expect(again.cert).toBe(first.cert);
  });
});
