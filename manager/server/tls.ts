// The node's HTTPS certificate: self-signed, made once per node under the state dir (until the
// node joins a cluster and gets one signed by the cluster CA).
import { existsSync, readFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import type { CommandRunner } from '../../lib/exec/index.ts';
import { selfSignedArgv } from '../../lib/net/selfsigned.ts';

export async function ensureCertificate(
  runner: CommandRunner,
  dir: string,
  host: string,
): Promise<{ key: string; cert: string; certFile: string }> {
  const keyFile = path.join(dir, 'node.key');
  const certFile = path.join(dir, 'node.pem');
  if (!existsSync(keyFile) || !existsSync(certFile)) {
    const argv = selfSignedArgv({
      keyFile,
      certFile,
      subject: `/CN=${host}/O=openve node`,
      subjectAltName: `DNS:${host},DNS:localhost,IP:127.0.0.1,IP:::1`,
      days: 3650,
    });
    await runner.run(argv, { quietOutput: true, timeoutMs: 30_000 });
    chmodSync(keyFile, 0o600);
  }
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}
