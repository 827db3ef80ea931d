// The join service's self-signed certificate (generated once per node with openssl).
import { existsSync, mkdirSync, readFileSync, chmodSync } from 'node:fs';
import type { CommandRunner } from '../../lib/exec/index.ts';
import { certFingerprint } from '../../lib/net/pinned.ts';
import type { NodePaths } from '../paths.ts';

export async function ensureCertificate(
  runner: CommandRunner,
  paths: NodePaths,
  name: string,
  address: string,
): Promise<string> {
  if (!existsSync(paths.certPem) || !existsSync(paths.keyPem)) {
    mkdirSync(paths.clusterDir, { recursive: true, mode: 0o700 });
    const san = `IP:${address}`; // OpenSSL takes IPv4 and IPv6 alike after IP:
    await runner.run([
      'openssl',
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      paths.keyPem,
      '-out',
      paths.certPem,
      '-days',
      '3650',
      '-subj',
      `/CN=${name}/O=openve cluster`,
      '-addext',
      `subjectAltName=${san},DNS:${name}`,
    ]);
    chmodSync(paths.keyPem, 0o600);
  }
  return certFingerprint(readFileSync(paths.certPem));
}
