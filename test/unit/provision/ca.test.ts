// The cluster CA over the real join protocol (HTTPS on 127.0.0.x, real openssl; corosync faked):
// `pveca -c` makes it, a joiner's CSR is signed by the coordinator, `pveca -d --force` of a node
// that is online makes it clean itself up, and `pveca --upgrade-ca` gives an older cluster a CA.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import type https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { certFingerprint } from '../../../lib/net/pinned.ts';
import {
  createCluster,
  joinCluster,
  removeClusterNode,
  upgradeCa,
} from '../../../provision/cluster/commands/index.ts';
import { clusterNode, freePort } from './clusterNode.ts';
import { readClusterConfig, readState, writeState } from '../../../provision/cluster/state.ts';
import { startServer } from '../../../provision/cluster/server.ts';
import type { NodePaths } from '../../../provision/paths.ts';

const TOKEN = 'ca-unit-token-abcdefgh';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'openve-ca-'));
const servers: https.Server[] = [];

/** a node root with libvirt installed (Debian trixie's configs, excerpts): pveca sets up its TLS */
const node = (name: string) => {
  const n = clusterNode(tmp, name);
  mkdirSync(path.dirname(n.paths.libvirtdConf), { recursive: true });
  for (const f of ['libvirtd.conf', 'qemu.conf'])
    cpSync(
      path.join(import.meta.dirname, 'fixtures/libvirt', f),
      path.join(n.paths.root, 'etc/libvirt', f),
    );
  writeFileSync(n.paths.etcGroup, 'libvirt-qemu:x:64055:libvirt-qemu\n');
  return n;
};

/** libvirt's and QEMU's TLS files below the node's root are its current CA, certificate, key */
function expectLibvirtTls(paths: NodePaths, address: string) {
  const pki = (f: string) => readFileSync(path.join(paths.pkiDir, f), 'utf8');
  expect(pki('CA/cacert.pem')).toBe(readFileSync(paths.caCert, 'utf8'));
  expect(pki('qemu/ca-cert.pem')).toBe(readFileSync(paths.caCert, 'utf8'));
  expect(pki('libvirt/servercert.pem')).toBe(readFileSync(paths.nodeCert, 'utf8'));
  expect(pki('qemu/client-cert.pem')).toBe(readFileSync(paths.nodeCert, 'utf8'));
  expect(pki('libvirt/private/serverkey.pem')).toBe(readFileSync(paths.nodeKey, 'utf8'));
  expect(pki('qemu/server-key.pem')).toBe(readFileSync(paths.nodeKey, 'utf8'));
  expect(readFileSync(paths.libvirtdConf, 'utf8')).toMatch(/^listen_tls = 1$/m);
  expect(readFileSync(paths.qemuConf, 'utf8')).toContain(`migration_host = "${address}"`);
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !cond() && Date.now() < end;)
    await new Promise((r) => setTimeout(r, 50));
}

const cert = (file: string) => new X509Certificate(readFileSync(file));
/** signed by the CA in `paths`, for `name` at `address` */
function expectNodeCert(paths: NodePaths, caPaths: NodePaths, name: string, address: string) {
  const ca = cert(caPaths.caCert);
  const c = cert(paths.nodeCert);
  expect(c.verify(ca.publicKey)).toBe(true);
  expect(c.checkIssued(ca)).toBe(true);
  expect(c.subject).toMatch(new RegExp(`CN=${name}`));
  expect(c.subjectAltName).toContain(`IP Address:${address}`);
  expect(c.ca).toBe(false);
  expect(statSync(paths.nodeKey).mode & 0o777).toBe(0o600);
  // the key on disk is the certificate's
  expect(c.checkPrivateKey(createPrivateKey(readFileSync(paths.nodeKey)))).toBe(true);
}

describe('cluster CA (HTTPS join service on 127.0.0.1x, real openssl)', { timeout: 60_000 }, () => {
  const master = node('m');
  const second = node('s');
  let port = 0;
  let fingerprint = '';

  beforeAll(async () => {
    port = await freePort();
    fingerprint = (
      await createCluster(master.ctx, {
        clusterName: 'ca',
        token: TOKEN,
        nodeName: 'ca1',
        address: '127.0.0.11',
        port,
      })
    ).fingerprint;
    servers.push(
      await startServer({ ...master.ctx, log: () => undefined }, { port, host: '127.0.0.11' }),
    );
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    rmSync(tmp, { recursive: true, force: true });
  });

  test('pveca -c makes a CA (key 0600) and this node a certificate signed by it, recorded in cluster.json', () => {
    expect(statSync(master.paths.caKey).mode & 0o777).toBe(0o600);
    const ca = cert(master.paths.caCert);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toMatch(/CN=openve cluster CA ca/);
    expectNodeCert(master.paths, master.paths, 'ca1', '127.0.0.11');
    expect(readState(master.paths)?.members?.ca1).toEqual({
      fingerprint,
      nodeCert: certFingerprint(readFileSync(master.paths.nodeCert)),
    });
    expectLibvirtTls(master.paths, '127.0.0.11');
  });

  test('a joiner gets the CA and a node certificate signed from its CSR; every member records it', async () => {
    await joinCluster(second.ctx, {
      master: '127.0.0.11',
      port,
      token: TOKEN,
      fingerprint,
      nodeName: 'ca2',
      address: '127.0.0.12',
    });
    expect(readFileSync(second.paths.caCert, 'utf8')).toBe(
      readFileSync(master.paths.caCert, 'utf8'),
    );
    expect(statSync(second.paths.caKey).mode & 0o777).toBe(0o600);
    // the CSR said CN=openve-node: the signer sets the name and address it accepted
    expectNodeCert(second.paths, master.paths, 'ca2', '127.0.0.12');
    // and libvirt TLS from them, libvirtd restarted before corosync starts
    expectLibvirtTls(second.paths, '127.0.0.12');
    expect(second.calls.indexOf('libvirt tls: restart libvirtd')).toBeGreaterThan(-1);
    const fp = certFingerprint(readFileSync(second.paths.nodeCert));
    expect(readState(master.paths)?.members?.ca2?.nodeCert).toBe(fp);
    expect(readState(second.paths)?.members?.ca2?.nodeCert).toBe(fp);
    // the master's own entry keeps its node certificate through the join
    expect(readState(second.paths)?.members?.ca1?.nodeCert).toBe(
      certFingerprint(readFileSync(master.paths.nodeCert)),
    );
    servers.push(
      await startServer({ ...second.ctx, log: () => undefined }, { port, host: '127.0.0.12' }),
    );
  });

  test("libvirtd accepts the members' certificates only: both lists name ca1 and ca2 after the join", async () => {
    const both =
      /^tls_allowed_dn_list = \["CN=ca1,O=openve cluster node", "CN=ca2,O=openve cluster node"\]$/m;
    expect(readFileSync(second.paths.libvirtdConf, 'utf8')).toMatch(both);
    // the coordinator rewrites its own list (and restarts libvirtd) once the join is answered
    const restarts = master.calls.filter((c) => c === 'libvirt tls: restart libvirtd').length;
    await until(() => both.test(readFileSync(master.paths.libvirtdConf, 'utf8')));
    expect(readFileSync(master.paths.libvirtdConf, 'utf8')).toMatch(both);
    expect(restarts).toBeGreaterThanOrEqual(1);
  });

  test('pveca --upgrade-ca gives a cluster made before the CA one: every member gets a certificate', async () => {
    // make it a cluster from before: no CA files, no nodeCert entries
    for (const p of [master.paths, second.paths]) {
      for (const f of [p.caCert, p.caKey, p.nodeCert, p.nodeKey]) rmSync(f);
      const st = readState(p)!;
      const members = Object.fromEntries(
        Object.entries(st.members ?? {}).map(([k, v]) => [k, { fingerprint: v.fingerprint }]),
      );
      writeState(p, { ...st, members });
    }
    const before = readClusterConfig(master.paths)!.configVersion;
    const r = await upgradeCa(second.ctx);
    expect(r.created).toBe(true);
    expect(r.nodes.map((n) => n.error)).toEqual([undefined, undefined]);
    expect(r.configVersion).toBe(before + 1);
    expect(readFileSync(master.paths.caCert, 'utf8')).toBe(
      readFileSync(second.paths.caCert, 'utf8'),
    );
    expectNodeCert(master.paths, second.paths, 'ca1', '127.0.0.11');
    expectNodeCert(second.paths, second.paths, 'ca2', '127.0.0.12');
    for (const p of [master.paths, second.paths]) {
      const members = readState(p)!.members!;
      expect(members.ca1?.nodeCert).toBe(certFingerprint(readFileSync(master.paths.nodeCert)));
      expect(members.ca2?.nodeCert).toBe(certFingerprint(readFileSync(second.paths.nodeCert)));
      expect(readClusterConfig(p)!.configVersion).toBe(before + 1);
    }
    // both members' libvirt TLS follows: this one (second) and the one it reached (master)
    expectLibvirtTls(master.paths, '127.0.0.11');
    expectLibvirtTls(second.paths, '127.0.0.12');
    // a second run keeps the CA
    expect((await upgradeCa(master.ctx)).created).toBe(false);
  });

  test('pveca -d --force of an online node: it gets the nodelist without itself and cleans itself up', async () => {
    const r = await removeClusterNode(master.ctx, 'ca2', true);
    expect(r).toMatchObject({ removed: 'ca2', unreachable: [], cleaned: true });
    const gone = async () => {
      for (let i = 0; i < 50 && existsSync(second.paths.clusterJson); i++)
        await new Promise((res) => setTimeout(res, 100));
    };
    await gone();
    for (const f of [
      second.paths.clusterJson,
      second.paths.corosyncConf,
      second.paths.authkey,
      second.paths.caKey,
      second.paths.nodeCert,
      second.paths.nodeKey,
    ])
      expect(existsSync(f), f).toBe(false);
    expect(second.calls).toEqual(expect.arrayContaining(['stop corosync', 'stop service']));
    expect(readState(master.paths)?.members?.ca2).toBeUndefined();
    expect(readClusterConfig(master.paths)?.nodes.map((n) => n.name)).toEqual(['ca1']);
    // and ca2's certificate (still signed by the cluster CA) is no longer accepted by libvirtd
    const conf = readFileSync(master.paths.libvirtdConf, 'utf8');
    expect(conf).toMatch(/^tls_allowed_dn_list = \["CN=ca1,O=openve cluster node"\]$/m);
    expect(conf).not.toContain('CN=ca2');
    expect(master.calls.slice(-2)).toEqual(['libvirt tls: restart libvirtd', 'reload corosync']);
  });
});
