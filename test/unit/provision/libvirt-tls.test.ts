// libvirt TLS from the cluster trust (provision/cluster/libvirtTls.ts): the config edits against
// Debian trixie's shipped files (excerpts in fixtures/libvirt), the PKI files and their modes, the
// plan (nothing when already set up), validation before anything is written, and `pveca -c` under
// a temp root with real openssl (corosync and systemctl faked: fakeControl records the calls).
import { X509Certificate } from 'node:crypto';
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
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { UserError } from '../../../lib/errors.ts';
import { realRunner } from '../../../lib/exec/runner.ts';
import { createCluster } from '../../../provision/cluster/commands/index.ts';
import {
  allowedDnList,
  applyLibvirtTls,
  CONF_MARK,
  nodeCertDn,
  libvirtdSettings,
  planLibvirtTls,
  qemuSettings,
  setConfKeys,
} from '../../../provision/cluster/libvirtTls.ts';
import { readState } from '../../../provision/cluster/state.ts';
import type { NodePaths } from '../../../provision/paths.ts';
import { parseAllowedDns } from '../../e2e/lib/clusterRevoke.ts';
import { clusterNode } from './clusterNode.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures/libvirt');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'openve-libvirt-tls-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** a node root with libvirt installed as on the target (its two configs, group libvirt-qemu) */
function withLibvirt(paths: NodePaths): void {
  mkdirSync(path.dirname(paths.libvirtdConf), { recursive: true });
  cpSync(path.join(FIXTURES, 'libvirtd.conf'), paths.libvirtdConf);
  cpSync(path.join(FIXTURES, 'qemu.conf'), paths.qemuConf);
  writeFileSync(paths.etcGroup, 'root:x:0:\nlibvirt-qemu:x:64055:libvirt-qemu\nlibvirt:x:104:\n');
}

const mode = (f: string) => statSync(f).mode & 0o777;

describe('config edits (Debian trixie libvirtd.conf / qemu.conf excerpts)', () => {
  test('libvirtd.conf: the shipped comments kept, the settings appended below one marker', () => {
    const before = fixture('libvirtd.conf');
    const after = setConfKeys(before, libvirtdSettings(['lt1']));
    expect(after.slice(0, before.length)).toBe(before);
    expect(after.slice(before.length)).toBe(
      `\n${CONF_MARK}\nlisten_tls = 1\nlisten_tcp = 0\nauth_tls = "none"\ntls_allowed_dn_list = ["CN=lt1,O=openve cluster node"]\n`,
    );
    // idempotent: a second run changes nothing
    expect(setConfKeys(after, libvirtdSettings(['lt1']))).toBe(after);
  });

  test('qemu.conf: TLS dir, verification on, the migration host and address are the cluster address', () => {
    const before = fixture('qemu.conf');
    const after = setConfKeys(before, qemuSettings('10.9.9.1'));
    expect(after.slice(before.length)).toBe(
      [
        '',
        CONF_MARK,
        'default_tls_x509_cert_dir = "/etc/pki/qemu"',
        'default_tls_x509_verify = 1',
        'migrate_tls_x509_verify = 1',
        'migration_host = "10.9.9.1"',
        'migration_address = "10.9.9.1"',
        '',
      ].join('\n'),
    );
    expect(setConfKeys(after, qemuSettings('10.9.9.1'))).toBe(after);
  });

  test('an active line of a key is replaced where it is, not duplicated; a new address replaces the old', () => {
    const text = '# x\nlisten_tcp = 1\n  listen_tls=0\n#listen_tls = 0\n';
    expect(setConfKeys(text, libvirtdSettings(['lt1']))).toBe(
      `# x\nlisten_tcp = 0\nlisten_tls = 1\n#listen_tls = 0\n\n${CONF_MARK}\nauth_tls = "none"\ntls_allowed_dn_list = ["CN=lt1,O=openve cluster node"]\n`,
    );
    const once = setConfKeys('', qemuSettings('10.0.0.1'));
    const moved = setConfKeys(once, qemuSettings('10.0.0.2'));
    expect(moved).toBe(once.replaceAll('10.0.0.1', '10.0.0.2'));
    expect(moved.split(CONF_MARK).length).toBe(2);
  });
});

describe("libvirtd's tls_allowed_dn_list: the current members only (issue 14: a node removed with pveca -d loses access)", () => {
  test('every member once, sorted, as GnuTLS prints the subject signNodeCsr gives', () => {
    expect(allowedDnList(['n2', 'n1', 'n2'])).toBe(
      '["CN=n1,O=openve cluster node", "CN=n2,O=openve cluster node"]',
    );
    expect(nodeCertDn('node-1.lab')).toBe('CN=node-1.lab,O=openve cluster node');
  });

  test('a name that is no host name (a glob, a quote, a comma) or no member at all: refused', () => {
    for (const bad of ['*', 'a"b', 'a,O=x', '', '-a'])
      expect(() => allowedDnList([bad]), bad).toThrow(UserError);
    expect(() => allowedDnList([])).toThrow(/no member to allow/);
  });

  test('the list follows the nodelist: rewritten in place (a removed member gone), never a second line', () => {
    const three = setConfKeys(fixture('libvirtd.conf'), libvirtdSettings(['n1', 'n2', 'n3']));
    const two = setConfKeys(three, libvirtdSettings(['n1', 'n3']));
    expect(two).toBe(
      three.replace(
        '"CN=n1,O=openve cluster node", "CN=n2,O=openve cluster node", "CN=n3,O=openve cluster node"',
        '"CN=n1,O=openve cluster node", "CN=n3,O=openve cluster node"',
      ),
    );
    expect(two.match(/^tls_allowed_dn_list/gm)).toHaveLength(1);
    expect(two).not.toContain('CN=n2');
  });

  test("the e2e's reading of the list (clusterRevoke.ts) is what pveca writes", () => {
    const conf = setConfKeys(fixture('libvirtd.conf'), libvirtdSettings(['node2', 'node1']));
    expect(parseAllowedDns(conf)).toEqual([nodeCertDn('node1'), nodeCertDn('node2')]);
    expect(parseAllowedDns(fixture('libvirtd.conf'))).toBeNull();
  });

  test("an admin's list over several lines is replaced as a whole", () => {
    const text = 'a = 1\ntls_allowed_dn_list = ["CN=old,O=x",\n   "CN=other,O=x"\n]\nb = 2\n';
    expect(setConfKeys(text, [['tls_allowed_dn_list', allowedDnList(['n1'])]])).toBe(
      'a = 1\ntls_allowed_dn_list = ["CN=n1,O=openve cluster node"]\nb = 2\n',
    );
  });
});

describe('pveca -c sets up libvirt TLS (temp root, real openssl)', { timeout: 60_000 }, () => {
  const n = clusterNode(tmp, 'c1');
  const opts = { clusterName: 'lt', token: 'libvirt-tls-token-0123', nodeName: 'lt1', port: 1 };

  test('the PKI files (certs 0644, libvirtd keys 0600, QEMU keys 0640 group libvirt-qemu), both configs, libvirtd restarted before corosync starts', async () => {
    withLibvirt(n.paths);
    const r = await createCluster(n.ctx, { ...opts, address: '10.9.9.1' });
    const pki = (f: string) => path.join(n.paths.pkiDir, f);
    const ca = readFileSync(n.paths.caCert, 'utf8');
    const cert = readFileSync(n.paths.nodeCert, 'utf8');
    const key = readFileSync(n.paths.nodeKey, 'utf8');
    for (const f of ['CA/cacert.pem', 'qemu/ca-cert.pem']) {
      expect(readFileSync(pki(f), 'utf8')).toBe(ca);
      expect(mode(pki(f))).toBe(0o644);
    }
    for (const f of [
      'libvirt/servercert.pem',
      'libvirt/clientcert.pem',
      'qemu/server-cert.pem',
      'qemu/client-cert.pem',
    ]) {
      expect(readFileSync(pki(f), 'utf8')).toBe(cert);
      expect(mode(pki(f))).toBe(0o644);
    }
    for (const f of ['libvirt/private/serverkey.pem', 'libvirt/private/clientkey.pem']) {
      expect(readFileSync(pki(f), 'utf8')).toBe(key);
      expect(mode(pki(f))).toBe(0o600);
      expect(statSync(pki(f)).uid).toBe(0);
    }
    for (const f of ['qemu/server-key.pem', 'qemu/client-key.pem']) {
      expect(readFileSync(pki(f), 'utf8')).toBe(key);
      expect(mode(pki(f))).toBe(0o640);
      expect(statSync(pki(f)).gid).toBe(64055);
    }
    // what libvirt's x509 check of qemu+tls://10.9.9.1/system and QEMU's of migration_host see
    const x = new X509Certificate(readFileSync(pki('libvirt/servercert.pem')));
    expect(x.checkIP('10.9.9.1')).toBe('10.9.9.1');
    expect(x.checkHost('lt1')).toBe('lt1');
    expect(x.checkIssued(new X509Certificate(readFileSync(pki('CA/cacert.pem'))))).toBe(true);
    expect(readFileSync(n.paths.libvirtdConf, 'utf8')).toBe(
      setConfKeys(fixture('libvirtd.conf'), libvirtdSettings(['lt1'])),
    );
    expect(readFileSync(n.paths.qemuConf, 'utf8')).toBe(
      setConfKeys(fixture('qemu.conf'), qemuSettings('10.9.9.1')),
    );
    expect(r.libvirtTls).toEqual({
      written: expect.arrayContaining([n.paths.libvirtdConf, n.paths.qemuConf]),
      restart: true,
    });
    expect(r.libvirtTls.written).toHaveLength(12);
    const restart = n.calls.indexOf('libvirt tls: restart libvirtd');
    expect(restart).toBeGreaterThan(-1);
    expect(restart).toBeLessThan(n.calls.indexOf('start corosync'));
  });

  test.skipIf(!existsSync('/usr/bin/virt-pki-query-dn'))(
    "the node certificate's subject, read by libvirt's own GnuTLS (virt-pki-query-dn), is its entry in the list",
    async () => {
      const r = await realRunner().run(['virt-pki-query-dn', n.paths.nodeCert]);
      expect(r.stdout.trim()).toBe(nodeCertDn('lt1'));
      expect(readFileSync(n.paths.libvirtdConf, 'utf8')).toMatch(
        /^tls_allowed_dn_list = \["CN=lt1,O=openve cluster node"\]$/m,
      );
    },
  );

  test('a second plan writes nothing and restarts nothing (idempotent)', () => {
    expect(planLibvirtTls(n.paths, { name: 'lt1', address: '10.9.9.1' }, ['lt1'])).toEqual({
      files: [],
      restart: false,
    });
  });

  test('a QEMU key changed alone: rewritten, but no libvirtd restart (QEMU reads it per guest)', () => {
    writeFileSync(path.join(n.paths.pkiDir, 'qemu/client-key.pem'), 'old');
    const plan = planLibvirtTls(n.paths, { name: 'lt1', address: '10.9.9.1' }, ['lt1']);
    expect(plan.files.map((f) => path.relative(n.paths.root, f.file))).toEqual([
      'etc/pki/qemu/client-key.pem',
    ]);
    expect(plan.restart).toBe(false);
  });

  test('a certificate that does not name this node, or a key that is not its own: refused, named, nothing written', () => {
    const pkiBefore = readFileSync(path.join(n.paths.pkiDir, 'CA/cacert.pem'), 'utf8');
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        return (e as UserError).issues[0];
      }
      throw new Error('no error');
    };
    expect(
      err(() => planLibvirtTls(n.paths, { name: 'lt1', address: '10.9.9.2' }, ['lt1'])),
    ).toEqual({
      path: n.paths.nodeCert,
      message: "does not name this node's address 10.9.9.2 (subjectAltName)",
    });
    expect(
      err(() => planLibvirtTls(n.paths, { name: 'other', address: '10.9.9.1' }, ['lt1'])),
    ).toEqual({
      path: n.paths.nodeCert,
      message: 'does not name this node other (subjectAltName)',
    });
    const key = readFileSync(n.paths.nodeKey, 'utf8');
    writeFileSync(n.paths.nodeKey, readFileSync(n.paths.caKey, 'utf8'));
    expect(
      err(() => planLibvirtTls(n.paths, { name: 'lt1', address: '10.9.9.1' }, ['lt1'])),
    ).toEqual({
      path: n.paths.nodeKey,
      message: `is not the key of ${n.paths.nodeCert}`,
    });
    writeFileSync(n.paths.nodeKey, key);
    expect(readFileSync(path.join(n.paths.pkiDir, 'CA/cacert.pem'), 'utf8')).toBe(pkiBefore);
  });

  test('libvirtd.conf unreadable (a directory): pveca -c refuses before writing anything', async () => {
    const m = clusterNode(tmp, 'c2');
    mkdirSync(m.paths.libvirtdConf, { recursive: true });
    await expect(createCluster(m.ctx, { ...opts, address: '10.9.9.3' })).rejects.toThrow(
      /libvirtd\.conf: cannot set up libvirt TLS: not a regular file/,
    );
    expect(existsSync(m.paths.clusterDir)).toBe(false);
    expect(readState(m.paths)).toBeUndefined();
    expect(m.calls).toEqual([]);
  });

  test('no libvirt below the root: the cluster is made, libvirt TLS skipped and said so', async () => {
    const m = clusterNode(tmp, 'c3');
    const r = await createCluster(m.ctx, { ...opts, address: '10.9.9.4' });
    expect(r.libvirtTls).toEqual({
      written: [],
      restart: false,
      skipped: expect.stringMatching(/libvirt is not installed here/),
    });
    expect(existsSync(m.paths.pkiDir)).toBe(false);
    expect(m.calls.some((c) => c.startsWith('libvirt tls'))).toBe(false);
  });

  test('libvirtd refusing the TLS socket is a warning with the commands, never a failed create or join', async () => {
    const m = clusterNode(tmp, 'c5');
    const lines: string[] = [];
    const control = {
      ...m.ctx.control,
      libvirtTls: async () => {
        throw new Error('systemctl enable libvirtd-tls.socket exited with 1');
      },
    };
    await expect(
      applyLibvirtTls(m.paths, control, { files: [], restart: true }, (l) => lines.push(l)),
    ).resolves.toBeUndefined();
    expect(lines.join('\n')).toMatch(
      /warning: .*enabling libvirtd's TLS socket failed \(systemctl enable libvirtd-tls\.socket exited with 1\).*systemctl stop libvirtd\.service libvirtd\.socket/,
    );
  });
});
