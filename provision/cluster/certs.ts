// The join service's self-signed certificate (generated once per node with openssl).
import { existsSync, mkdirSync, readFileSync, chmodSync } from 'node:fs';
import type { CommandRunner } from '../../lib/exec/index.ts';
import { certFingerprint } from '../../lib/net/pinned.ts';
import { selfSignedArgv } from '../../lib/net/selfsigned.ts';
import type { NodePaths } from '../paths.ts';

export async function ensureCertificate(
  runner: CommandRunner,
  paths: NodePaths,
  name: string,
  address: string,
): Promise<string> {
  if (!existsSync(paths.certPem) || !existsSync(paths.keyPem)) {
    mkdirSync(paths.clusterDir, { recursive: true, mode: 0o700 });
    await runner.run(
      selfSignedArgv({
        keyFile: paths.keyPem,
        certFile: paths.certPem,
        days: 3650,
        subject: `/CN=${name}/O=openve cluster`,
        subjectAltName: `IP:${address},DNS:${name}`,
      }),
    );
    chmodSync(paths.keyPem, 0o600);
  }
  return certFingerprint(readFileSync(paths.certPem));
}
