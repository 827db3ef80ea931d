// Where libvirt and QEMU look for their TLS files (below /etc/pki), filled from the cluster's own
// PKI: the cluster CA and this node's certificate from `pveca` (CN and subjectAltName IP:<cluster
// address>, DNS:<node name>; serverAuth + clientAuth). The same certificate serves as server and
// client. Shared by `pveca` (which sets libvirt TLS up at create/join/upgrade) and the manager
// (`--libvirt-pki DIR` keeps the files current at start), so both write exactly the same files.
import { chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../fs.ts';

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
  /**
   * QEMU runs as libvirt-qemu and opens its key itself (tls-creds-x509 dir=/etc/pki/qemu): its
   * keys are 0640 root:libvirt-qemu, not 0600 (libvirtd's own keys are 0600 root)
   */
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

/** the gid QEMU runs with on Debian (libvirt-qemu) in this group file, if there is one */
export function qemuGid(groupFile = '/etc/group'): number | undefined {
  try {
    const line = readFileSync(groupFile, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('libvirt-qemu:'));
    const gid = Number(line?.split(':')[2]);
    return line && Number.isInteger(gid) ? gid : undefined;
  } catch {
    return undefined;
  }
}

/** The files of libvirtPkiFiles whose content below `root` differs (or that are missing). */
export function changedPkiFiles(t: TlsMaterial, root: string): PkiFile[] {
  return libvirtPkiFiles(t).filter((f) => {
    const file = path.join(root, f.path);
    return !(existsSync(file) && readFileSync(file, 'utf8') === f.content);
  });
}

/** Writes one file below `root` (mode, and the QEMU keys' group when `gid` is known). */
export function writePkiFile(f: PkiFile, root: string, gid: number | undefined): void {
  const file = path.join(root, f.path);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  writeFileAtomic(file, f.content, f.mode);
  if (f.qemuReadable && gid !== undefined && process.getuid?.() === 0) chownSync(file, 0, gid);
}

/**
 * Writes the files that differ; returns the paths written (a running libvirtd reads its own
 * certificates at start: restart it when this returns any libvirt/ or CA/ path).
 */
export function syncLibvirtPki(t: TlsMaterial, root = '/etc/pki', groupFile?: string): string[] {
  const gid = qemuGid(groupFile);
  const changed = changedPkiFiles(t, root);
  for (const f of changed) writePkiFile(f, root, gid);
  return changed.map((f) => f.path);
}
