// The cluster CA (made at `pveca -c`, or by `pveca --upgrade-ca` for a cluster made before) and
// the node certificates it signs. The managers talk to each other with mutual TLS: a peer must
// present a certificate signed by this CA whose fingerprint is the one recorded for a current
// member (ClusterState.members[name].nodeCert), so `pveca -d` (which drops the member) revokes.
// The CA key is on every member (0600), like the corosync authkey: any quorate member accepts
// joins, so any member signs. Every openssl call goes through the runner, argv only.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { clusterCaSchema, type ClusterCa } from '../../contracts/cluster.ts';
import { parseJson } from '../../contracts/json.ts';
import type { CommandRunner } from '../../lib/exec/index.ts';
import { writeFileAtomic } from '../../lib/fs.ts';
import { certFingerprint } from '../../lib/net/pinned.ts';
import type { NodePaths } from '../paths.ts';

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const QUIET = { quietOutput: true, timeoutMs: 60_000 } as const;

/** The O= of every node certificate this CA signs (libvirtd's tls_allowed_dn_list matches it). */
export const NODE_CERT_ORG = 'openve cluster node';

export function hasCa(paths: NodePaths): boolean {
  return existsSync(paths.caCert) && existsSync(paths.caKey);
}

export function readCa(paths: NodePaths): ClusterCa | undefined {
  if (!hasCa(paths)) return undefined;
  const ca = { cert: readFileSync(paths.caCert, 'utf8'), key: readFileSync(paths.caKey, 'utf8') };
  return parseJson(clusterCaSchema, JSON.stringify(ca), paths.caCert);
}

export function writeCa(paths: NodePaths, ca: ClusterCa): void {
  mkdirSync(paths.clusterDir, { recursive: true, mode: 0o700 });
  writeFileAtomic(paths.caKey, ca.key, 0o600);
  writeFileAtomic(paths.caCert, ca.cert, 0o644);
}

/** A new self-signed CA for the cluster (EC P-256, 10 years); the key is 0600. */
export async function createCa(
  runner: CommandRunner,
  paths: NodePaths,
  clusterName: string,
): Promise<void> {
  mkdirSync(paths.clusterDir, { recursive: true, mode: 0o700 });
  await runner.run(
    [
      'openssl',
      'req',
      '-x509',
      ...EC,
      '-keyout',
      paths.caKey,
      '-out',
      paths.caCert,
      '-days',
      '3650',
      '-subj',
      `/CN=openve cluster CA ${clusterName}/O=openve cluster`,
      '-addext',
      'basicConstraints=critical,CA:TRUE,pathlen:0',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    QUIET,
  );
  chmodSync(paths.caKey, 0o600);
}

/** A private scratch dir below the node's cluster dir (pveca --root DIR touches nothing outside DIR). */
async function inTemp<T>(paths: NodePaths, fn: (dir: string) => Promise<T>): Promise<T> {
  mkdirSync(paths.clusterDir, { recursive: true, mode: 0o700 });
  const dir = mkdtempSync(path.join(paths.clusterDir, '.tmp-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** This node's key (0600, never leaves the node) and a CSR for it. */
export async function makeNodeCsr(runner: CommandRunner, paths: NodePaths): Promise<string> {
  return inTemp(paths, async (dir) => {
    const csr = path.join(dir, 'node.csr');
    // a fresh key each time: a node that joins again gets a certificate no old copy matches
    const key = path.join(dir, 'node.key');
    await runner.run(
      ['openssl', 'req', '-new', ...EC, '-keyout', key, '-out', csr, '-subj', '/CN=openve-node'],
      QUIET,
    );
    writeFileAtomic(paths.nodeKey, readFileSync(key), 0o600);
    return readFileSync(csr, 'utf8');
  });
}

/**
 * Signs a node's CSR with the cluster CA. The subject and names come from the signer (the node
 * name and address the join was accepted for), never from the CSR; its self-signature is checked.
 */
export async function signNodeCsr(
  runner: CommandRunner,
  paths: NodePaths,
  csr: string,
  node: { name: string; address: string },
): Promise<string> {
  return inTemp(paths, async (dir) => {
    const csrFile = path.join(dir, 'node.csr');
    const ext = path.join(dir, 'ext.cnf');
    const out = path.join(dir, 'node.pem');
    writeFileAtomic(csrFile, csr, 0o600);
    writeFileAtomic(
      ext,
      [
        `subjectAltName=IP:${node.address},DNS:${node.name}`,
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth,clientAuth',
        '',
      ].join('\n'),
      0o600,
    );
    await runner.run(['openssl', 'req', '-in', csrFile, '-noout', '-verify'], QUIET);
    await runner.run(
      [
        'openssl',
        'x509',
        '-req',
        '-in',
        csrFile,
        '-CA',
        paths.caCert,
        '-CAkey',
        paths.caKey,
        '-set_serial',
        `0x${randomBytes(16).toString('hex')}`,
        '-days',
        '3650',
        '-sha256',
        '-subj',
        `/CN=${node.name}/O=${NODE_CERT_ORG}`,
        '-extfile',
        ext,
        '-out',
        out,
      ],
      QUIET,
    );
    return readFileSync(out, 'utf8');
  });
}

/** Installs this node's signed certificate; returns its fingerprint (what the members record). */
export function installNodeCert(paths: NodePaths, cert: string): string {
  writeFileAtomic(paths.nodeCert, cert, 0o644);
  return certFingerprint(cert);
}

/** A node certificate for this node signed locally (the CA is here): create and upgrade. */
export async function issueOwnCert(
  runner: CommandRunner,
  paths: NodePaths,
  node: { name: string; address: string },
): Promise<string> {
  const csr = await makeNodeCsr(runner, paths);
  return installNodeCert(paths, await signNodeCsr(runner, paths, csr, node));
}
