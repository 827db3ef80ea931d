// openve-manager: the node service. `--dev --listen 127.0.0.1:PORT --state DIR` runs it on a dev
// machine against its libvirt and LXC with all of its own state under DIR.
import { parseArgs } from 'node:util';
import { startManager } from './manager.ts';
import { USER_NAME } from './auth/password.ts';
import { lowFootprintHeap } from './heap.ts';

const USAGE = `usage: openve-manager [--dev] [--listen HOST:PORT] [--state DIR] [--libvirt-uri URI]
  --listen       address to serve HTTPS on (default 0.0.0.0:8006; 127.0.0.1:8006 with --dev)
  --state        the manager's own state (default /var/lib/openve/manager)
  --libvirt-uri  libvirt connection (default qemu:///system)
  --cluster-root where this node's cluster files are (default /: /etc/openve/cluster.json ...)
  --peer-port    the managers' mutual-TLS port (default 8008)
  --migrate-uri  this node's libvirt as other nodes reach it for a migration
                 (default qemu+tls://<cluster address>/system)
  --libvirt-pki  install the cluster CA and node certificate for libvirt and QEMU TLS under
                 this dir (/etc/pki on a node); default: leave it alone
  --allow-user   a local Unix user who may log in with the Unix password, besides root
                 (repeat for more); every allowed user has the whole API, like root
  --dev          dev machine: dir storage, ISOs and templates under the state dir`;

export function parseListen(value: string): { host: string; port: number } | string {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535)
    return `--listen: must be HOST:PORT, like 127.0.0.1:8006 (got '${value}')`;
  return { host: (m[1] ?? m[2]) as string, port };
}

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        dev: { type: 'boolean' },
        listen: { type: 'string' },
        state: { type: 'string' },
        'libvirt-uri': { type: 'string' },
        'cluster-root': { type: 'string' },
        'peer-port': { type: 'string' },
        'migrate-uri': { type: 'string' },
        'libvirt-pki': { type: 'string' },
        'allow-user': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  lowFootprintHeap();
  const dev = values.dev === true;
  const listen = parseListen(values.listen ?? (dev ? '127.0.0.1:8006' : '0.0.0.0:8006'));
  if (typeof listen === 'string') {
    process.stderr.write(`${listen}\n`);
    return 2;
  }
  const peerPort = values['peer-port'];
  if (peerPort !== undefined && (!/^\d{1,5}$/.test(peerPort) || Number(peerPort) > 65535)) {
    process.stderr.write(`--peer-port: must be a TCP port, 1-65535 (got '${peerPort}')\n`);
    return 2;
  }
  const allowed = values['allow-user'] ?? [];
  const badUser = allowed.find((u) => !USER_NAME.test(u));
  if (badUser !== undefined) {
    process.stderr.write(
      `--allow-user: '${badUser}' is not a Unix user name (lower case letters, digits, _ . -; up to 32)\n`,
    );
    return 2;
  }
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const started = performance.now();
  const m = await startManager({
    dev,
    stateDir: values.state ?? '/var/lib/openve/manager',
    host: listen.host,
    port: listen.port,
    libvirtUri: values['libvirt-uri'] ?? 'qemu:///system',
    ...(values['cluster-root'] ? { clusterRoot: values['cluster-root'] } : {}),
    ...(peerPort ? { peerPort: Number(peerPort) } : {}),
    ...(values['migrate-uri'] ? { migrateUri: values['migrate-uri'] } : {}),
    ...(values['libvirt-pki'] ? { libvirtPki: values['libvirt-pki'] } : {}),
    allowedUsers: ['root', ...allowed.filter((u) => u !== 'root')],
    log,
  });
  log(
    `openve-manager ${dev ? '(dev) ' : ''}serving ${m.url}/api/v1 for node ${m.services.facts().name} (${m.services.facts().accel === 'kvm' ? 'KVM' : 'TCG, no KVM'}) in ${Math.round(performance.now() - started)} ms (${Math.round(performance.now())} ms after the process started)`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await m.close();
  return 0;
}
