// TLS between the nodes' libvirts (qemu+tls:// control connection of a peer-to-peer migration,
// and QEMU's migration and NBD disk streams with --tls) uses the cluster's own PKI: the cluster CA
// and this node's certificate from `pveca` (CN and subjectAltName IP:<cluster address>,
// DNS:<node name>; serverAuth + clientAuth), installed where libvirt and QEMU look for them. The
// same certificate serves as server and client. No second CA to run, and a node removed with
// `pveca -d` (its certificate no longer current) is what the cluster already revokes.
import { chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../../lib/fs.ts';

export interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
}

export interface PkiFile {
  /** relative to the pki root (/etc/pki) */
  path: string;
  content: string;
  mode: number;
  /** QEMU (not root) reads its key */
  qemuReadable?: boolean;
}

/** Where libvirt (libvirtd.conf defaults) and QEMU (qemu.conf default_tls_x509_cert_dir) look. Pure. */
export function libvirtPkiFiles(t: TlsMaterial): PkiFile[] {
  return [
    { path: 'CA/cacert.pem', content: t.ca, mode: 0o644 },
    { path: 'libvirt/servercert.pem', content: t.cert, mode: 0o644 },
    { path: 'libvirt/clientcert.pem', content: t.cert, mode: 0o644 },
    { path: 'libvirt/private/serverkey.pem', content: t.key, mode: 0o600 },
    { path: 'libvirt/private/clientkey.pem', content: t.key, mode: 0o600 },
    { path: 'qemu/ca-cert.pem', content: t.ca, mode: 0o644 },
    { path: 'qemu/server-cert.pem', content: t.cert, mode: 0o644 },
    { path: 'qemu/client-cert.pem', content: t.cert, mode: 0o644 },
    { path: 'qemu/server-key.pem', content: t.key, mode: 0o640, qemuReadable: true },
    { path: 'qemu/client-key.pem', content: t.key, mode: 0o640, qemuReadable: true },
  ];
}

/** the gid QEMU runs with on Debian (libvirt-qemu), if there is one */
function qemuGid(): number | undefined {
  try {
    const line = readFileSync('/etc/group', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('libvirt-qemu:'));
    const gid = Number(line?.split(':')[2]);
    return Number.isInteger(gid) ? gid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes the files that differ; returns the paths written (a running libvirtd reads its own
 * certificates at start: restart it when this returns any libvirt/ or CA/ path).
 */
export function syncLibvirtPki(t: TlsMaterial, root = '/etc/pki'): string[] {
  const written: string[] = [];
  const gid = qemuGid();
  for (const f of libvirtPkiFiles(t)) {
    const file = path.join(root, f.path);
    if (existsSync(file) && readFileSync(file, 'utf8') === f.content) continue;
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    writeFileAtomic(file, f.content, f.mode);
    if (f.qemuReadable && gid !== undefined) chownSync(file, 0, gid);
    written.push(f.path);
  }
  return written;
}
