// libvirt TLS on a node, from the cluster trust `pveca` already makes (the cluster CA and this
// node's certificate, SANs IP:<cluster address>, DNS:<node name>): live migration between nodes is
// a peer-to-peer `qemu+tls://ADDRESS/system` connection and QEMU migration/NBD streams over TLS.
// `pveca -c`, `-a` and `--upgrade-ca` (here and on every member it reaches) set up:
//   /etc/pki/{CA,libvirt,qemu}/...   the files libvirt and QEMU read (lib/net/libvirtPki.ts; the
//                                    manager's --libvirt-pki /etc/pki keeps the same files current)
//   /etc/libvirt/libvirtd.conf       listen_tls = 1, listen_tcp = 0, auth_tls = "none" (the x509
//                                    check is the authentication: a certificate of the cluster CA)
//                                    and tls_allowed_dn_list = the current members' certificate
//                                    subjects: a node removed with `pveca -d` keeps a certificate
//                                    of the CA, but libvirtd no longer accepts it. Rewritten on
//                                    every member whenever the nodelist changes (-c, -a, -d,
//                                    leave, --upgrade-ca; refreshLibvirtMembers), libvirtd
//                                    restarted (it reads the list only at start).
//   /etc/libvirt/qemu.conf           default_tls_x509_cert_dir = /etc/pki/qemu, default_ and
//                                    migrate_tls_x509_verify = 1 (a peer QEMU needs a certificate
//                                    of the cluster CA), migration_host and migration_address = the
//                                    cluster address (a SAN of the certificate: QEMU's TLS checks
//                                    the host name the destination advertises against it).
//                                    QEMU's own migration and NBD streams check the CA only: QEMU
//                                    has a `tls-authz` migration parameter, but libvirt (up to 11,
//                                    trixie) never sets it and qemu.conf has no DN list for
//                                    migration. Those ports are opened only for a migration that
//                                    an allowed peer prepared over the DN-checked qemu+tls
//                                    connection, one per migration, for its single connection.
//   libvirtd-tls.socket              enabled and started (Debian trixie runs libvirtd socket-
//                                    activated: listen_tls alone opens no port), libvirtd restarted
//                                    when a file it reads at start changed (guests keep running)
// Everything is checked before anything is written (the certificate matches the key, is signed by
// the CA, names this node's address and name); only files that differ are written; a second run
// changes nothing and restarts nothing. Below --root DIR only DIR is written; the systemctl part
// goes through ClusterControl (skipped and reported there).
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../lib/errors.ts';
import { writeFileAtomic } from '../../lib/fs.ts';
import {
  changedPkiFiles,
  qemuGid,
  writePkiFile,
  type PkiFile,
  type TlsMaterial,
} from '../../lib/net/libvirtPki.ts';
import type { NodePaths } from '../paths.ts';
import { hasCa, NODE_CERT_ORG } from './ca.ts';
import type { ClusterControl } from './control.ts';

export const CONF_MARK = '# openve cluster TLS (set by pveca): live migration between the nodes';

type Setting = readonly [key: string, value: string];

/**
 * A member's certificate subject as libvirtd compares it with tls_allowed_dn_list: GnuTLS's
 * RFC 4514 string (most specific first), what `virt-pki-query-dn node.pem` prints for the
 * subject signNodeCsr gives it, `/CN=NAME/O=openve cluster node` (checked with libvirt 9 / GnuTLS 3.7 on the host).
 */
export function nodeCertDn(name: string): string {
  // node names are host names (validateNodeName); libvirt matches the list with fnmatch and the
  // value sits in a quoted string: nothing else may reach it
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(name))
    throw new UserError({ path: 'node name', message: `'${name}' cannot be put in a DN list` });
  return `CN=${name},O=${NODE_CERT_ORG}`;
}

/** libvirtd.conf's list value: every member's DN, sorted, once. Pure. */
export function allowedDnList(members: readonly string[]): string {
  if (!members.length)
    throw new UserError({ path: 'tls_allowed_dn_list', message: 'no member to allow' });
  const dns = [...new Set(members)].sort().map((m) => `"${nodeCertDn(m)}"`);
  return `[${dns.join(', ')}]`;
}

/** `members`: the names in the current nodelist (this node among them) */
export const libvirtdSettings = (members: readonly string[]): Setting[] => [
  ['listen_tls', '1'],
  ['listen_tcp', '0'],
  ['auth_tls', '"none"'],
  ['tls_allowed_dn_list', allowedDnList(members)],
];

export const qemuSettings = (address: string): Setting[] => [
  ['default_tls_x509_cert_dir', '"/etc/pki/qemu"'],
  ['default_tls_x509_verify', '1'],
  ['migrate_tls_x509_verify', '1'],
  ['migration_host', `"${address}"`],
  ['migration_address', `"${address}"`],
];

/**
 * Sets `key = value` in a libvirt config file's text: an active (uncommented) line of the key is
 * replaced where it is (a list value written over several lines, `[` ... `]`, as a whole), the
 * others are appended below one marker comment. Comments and every other line are kept.
 * Idempotent: setConfKeys(setConfKeys(t, s), s) === setConfKeys(t, s). Pure.
 */
export function setConfKeys(text: string, settings: readonly Setting[]): string {
  const lines = text.split('\n');
  const missing: string[] = [];
  for (const [key, value] of settings) {
    const active = new RegExp(`^\\s*${key}\\s*=`);
    let found = false;
    for (let i = 0; i < lines.length; i++) {
      if (active.test(lines[i]!)) {
        // an open list continues up to the line with its `]`
        let end = i;
        const rest = lines[i]!.replace(active, '');
        if (rest.includes('[') && !rest.includes(']'))
          while (end + 1 < lines.length && !lines[end]!.includes(']')) end++;
        lines.splice(i, end - i + 1, `${key} = ${value}`);
        found = true;
      }
    }
    if (!found) missing.push(`${key} = ${value}`);
  }
  let out = lines.join('\n');
  if (!missing.length) return out;
  if (out.length && !out.endsWith('\n')) out += '\n';
  if (!out.includes(CONF_MARK)) out += `${out.length ? '\n' : ''}${CONF_MARK}\n`;
  return out + missing.join('\n') + '\n';
}

export interface PlannedFile {
  /** absolute (below the root) */
  file: string;
  content: string;
  mode: number;
  /** a QEMU key: group libvirt-qemu */
  pki?: PkiFile;
}

export interface LibvirtTlsPlan {
  /** only the files that differ from what is there */
  files: PlannedFile[];
  /** libvirtd reads its config and certificates at start: restart it (a file it reads changed) */
  restart: boolean;
  /** why nothing is set up (libvirt not installed below this root) */
  skipped?: string;
}

/** Nothing is written when these fail: run with the other input checks (checkAll). */
export function checkLibvirtTarget(paths: NodePaths): void {
  for (const file of [paths.libvirtdConf, paths.qemuConf]) {
    if (!existsSync(file)) continue;
    try {
      if (!statSync(file).isFile()) throw new Error('not a regular file');
      readFileSync(file, 'utf8');
    } catch (err) {
      throw new UserError({
        path: file,
        message: `cannot set up libvirt TLS: ${(err as Error).message.split('\n')[0]}`,
      });
    }
  }
  if (existsSync(paths.pkiDir) && !statSync(paths.pkiDir).isDirectory())
    throw new UserError({ path: paths.pkiDir, message: 'is not a directory' });
}

function readMaterial(paths: NodePaths): TlsMaterial {
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      throw new UserError({
        path: file,
        message: 'missing: libvirt TLS needs the cluster CA and this node certificate',
      });
    }
  };
  return { ca: read(paths.caCert), cert: read(paths.nodeCert), key: read(paths.nodeKey) };
}

/**
 * The node certificate libvirt's and QEMU's x509 checks will see: issued by the CA, its key the
 * one on disk, valid now, naming `node.address` (the host of qemu+tls://ADDRESS/system and of
 * migration_host) and `node.name`. Throws a UserError naming the file.
 */
export function validateTlsMaterial(
  paths: NodePaths,
  t: TlsMaterial,
  node: { name: string; address: string },
): void {
  const bad = (file: string, message: string) => new UserError({ path: file, message });
  let ca: X509Certificate;
  let cert: X509Certificate;
  try {
    ca = new X509Certificate(t.ca);
  } catch {
    throw bad(paths.caCert, 'not a PEM certificate');
  }
  try {
    cert = new X509Certificate(t.cert);
  } catch {
    throw bad(paths.nodeCert, 'not a PEM certificate');
  }
  if (!ca.ca) throw bad(paths.caCert, 'is not a CA certificate');
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey))
    throw bad(paths.nodeCert, `not signed by the cluster CA ${paths.caCert}`);
  let keyMatches: boolean;
  try {
    keyMatches = cert.checkPrivateKey(createPrivateKey(t.key));
  } catch {
    throw bad(paths.nodeKey, 'not a PEM private key');
  }
  if (!keyMatches) throw bad(paths.nodeKey, `is not the key of ${paths.nodeCert}`);
  const now = Date.now();
  if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) < now)
    throw bad(paths.nodeCert, `not valid now (${cert.validFrom} - ${cert.validTo})`);
  if (cert.checkIP(node.address) === undefined)
    throw bad(paths.nodeCert, `does not name this node's address ${node.address} (subjectAltName)`);
  if (cert.checkHost(node.name) === undefined)
    throw bad(paths.nodeCert, `does not name this node ${node.name} (subjectAltName)`);
}

/**
 * What setting up libvirt TLS would write here; validates first, writes nothing. `members`: the
 * names in the current nodelist, whose certificates libvirtd accepts (this node's is added).
 */
export function planLibvirtTls(
  paths: NodePaths,
  node: { name: string; address: string },
  members: readonly string[],
): LibvirtTlsPlan {
  checkLibvirtTarget(paths);
  if (!existsSync(paths.libvirtdConf))
    return {
      files: [],
      restart: false,
      skipped: `libvirt is not installed here (no ${paths.libvirtdConf}): libvirt TLS not set up`,
    };
  const material = readMaterial(paths);
  validateTlsMaterial(paths, material, node);
  const files: PlannedFile[] = changedPkiFiles(material, paths.pkiDir).map((f) => ({
    file: path.join(paths.pkiDir, f.path),
    content: f.content,
    mode: f.mode,
    pki: f,
  }));
  const conf = (file: string, settings: Setting[]) => {
    const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const after = setConfKeys(before, settings);
    if (after !== before)
      files.push({
        file,
        content: after,
        mode: existsSync(file) ? statSync(file).mode & 0o777 : 0o644,
      });
  };
  conf(paths.libvirtdConf, libvirtdSettings([...members, node.name]));
  conf(paths.qemuConf, qemuSettings(node.address));
  // QEMU reads its files at each guest start (nothing to restart for them); libvirtd at its start
  const restart = files.some((f) => !f.pki || !f.pki.path.startsWith('qemu/'));
  return { files, restart };
}

/** Writes the plan's files, then enables the TLS socket (and restarts libvirtd if needed). */
export async function applyLibvirtTls(
  paths: NodePaths,
  control: ClusterControl,
  plan: LibvirtTlsPlan,
  out: (line: string) => void,
): Promise<void> {
  if (plan.skipped) {
    out(plan.skipped);
    return;
  }
  const gid = qemuGid(paths.etcGroup);
  for (const f of plan.files) {
    if (f.pki) writePkiFile(f.pki, paths.pkiDir, gid);
    else writeFileAtomic(f.file, f.content, f.mode);
  }
  // the cluster must form even when libvirt does not take TLS: a warning, not a failure
  try {
    await control.libvirtTls(plan.restart);
  } catch (err) {
    out(
      `warning: libvirt TLS files written, but enabling libvirtd's TLS socket failed (${(err as Error).message}); live migration to and from this node needs it: systemctl stop libvirtd.service libvirtd.socket libvirtd-ro.socket libvirtd-admin.socket; systemctl enable --now libvirtd-tls.socket; systemctl start libvirtd.socket libvirtd-ro.socket libvirtd-admin.socket libvirtd.service`,
    );
  }
}

/** plan + apply: `pveca --upgrade-ca` here and on the members it reaches. */
export async function setupLibvirtTls(
  paths: NodePaths,
  control: ClusterControl,
  node: { name: string; address: string },
  members: readonly string[],
  out: (line: string) => void,
): Promise<LibvirtTlsPlan> {
  const plan = planLibvirtTls(paths, node, members);
  await applyLibvirtTls(paths, control, plan, out);
  return plan;
}

/**
 * The nodelist changed (a join, `pveca -d`, a leave, a pushed snapshot): libvirtd's
 * tls_allowed_dn_list follows it, libvirtd restarted when it changed. Nothing happens on a node
 * without libvirt TLS material (a cluster made before the CA: `pveca --upgrade-ca` sets it up) or
 * without libvirt; never throws (the nodelist change stands): a failure is a line in `out`.
 * Returns whether libvirtd.conf was rewritten.
 */
export async function refreshLibvirtMembers(
  paths: NodePaths,
  control: ClusterControl,
  node: { name: string; address: string },
  members: readonly string[],
  out: (line: string) => void,
): Promise<boolean> {
  if (!hasCa(paths) || !existsSync(paths.nodeCert) || !existsSync(paths.libvirtdConf)) return false;
  try {
    const plan = planLibvirtTls(paths, node, members);
    if (!plan.files.length) return false;
    await applyLibvirtTls(paths, control, plan, out);
    const list = [...new Set([...members, node.name])].sort().join(', ');
    out(`libvirt TLS: libvirtd now accepts the certificates of ${list} only`);
    return plan.files.some((f) => f.file === paths.libvirtdConf);
  } catch (err) {
    out(`warning: libvirt TLS member list not updated: ${(err as Error).message.split('\n')[0]}`);
    return false;
  }
}
