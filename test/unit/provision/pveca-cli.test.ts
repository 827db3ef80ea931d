// pveca's command line: every input is checked (with the answer file's validators) before anything
// is written or run; --root DIR runs nothing against this machine; every verb answers --help.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { recordingRunner } from '../../../lib/exec/recording.ts';
import { realRunner } from '../../../lib/exec/runner.ts';
import { main } from '../../../provision/pveca.ts';

const TOKEN = 'cli-token-0123456789';

function run(argv: string[], root?: string) {
  const runner = recordingRunner({ fallback: realRunner() });
  let stdout = '';
  let stderr = '';
  const done = main(root ? [...argv, '--root', root] : argv, {
    runner,
    env: {},
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
  });
  return done.then((code) => ({ code, stdout, stderr, calls: runner.calls.map((c) => c.argv) }));
}

const freshRoot = () => mkdtempSync(path.join(os.tmpdir(), 'openve-pveca-'));
/** every file below dir (relative) */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe('pveca validates everything before it acts', () => {
  test.each([
    [
      'a token with a newline',
      ['-c', '--token', `${TOKEN}\nx`],
      /--token: may only contain printable ASCII/,
    ],
    [
      'a token with a control character',
      ['-c', '--token', `${TOKEN}\x1b[2J`],
      /--token: may only contain printable ASCII/,
    ],
    [
      'a token with a space',
      ['-c', '--token', 'abc defghijklmnopq'],
      /--token: may only contain printable ASCII/,
    ],
    ['a short token', ['-c', '--token', 'short'], /--token: must be at least 16 characters/],
    [
      'a bad cluster name',
      ['-c', '--name', 'a b\nc'],
      /--name: 'a b\?c' is not a valid cluster name/,
    ],
    [
      'a bad node name',
      ['-c', '--node-name', 'x}\nquorum {'],
      /--node-name: .* is not a valid host name/,
    ],
    [
      'a bad address',
      ['-c', '--address', '10.0.0.300'],
      /--address: '10\.0\.0\.300' is not a valid IPv4 or IPv6 address/,
    ],
    [
      'a multicast address',
      ['-c', '--address', '224.0.0.1'],
      /--address: '224\.0\.0\.1' is a multicast address/,
    ],
    [
      'a bad member address',
      ['-a', '-h', '10.0.0.1;rm', '--token', TOKEN],
      /-h: '10\.0\.0\.1;rm' is not a valid IPv4/,
    ],
    [
      'a bad fingerprint',
      ['-a', '-h', '10.0.0.1', '--token', TOKEN, '--fingerprint', 'AB:CD'],
      /--fingerprint: 'AB:CD' is not a SHA-256 fingerprint/,
    ],
    ['a join without token', ['-a', '-h', '10.0.0.1'], /--token: joining needs the token/],
    ['a bad port', ['-c', '--port', '80x'], /--port: '80x' is not a TCP port/],
    [
      'a bad wait',
      ['-a', '-h', '10.0.0.1', '--token', TOKEN, '--wait', '1e9'],
      /--wait: '1e9' is not a number of seconds/,
    ],
    [
      'joining its own address',
      ['-a', '-h', '10.0.0.7', '--address', '10.0.0.7', '--token', TOKEN],
      /-h: 10\.0\.0\.7 is this node's own address/,
    ],
  ])('%s: exit 1, a `field: message`, nothing written or run', async (_what, argv, message) => {
    const root = freshRoot();
    const r = await run(argv, root);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stderr).not.toContain(TOKEN);
    expect(r.calls).toEqual([]);
    expect(files(root)).toEqual([]);
  });

  test('every problem is reported at once', async () => {
    const root = freshRoot();
    const r = await run(
      ['-a', '-h', 'x', '--token', 'bad token', '--fingerprint', 'zz', '--node-name=-n-'],
      root,
    );
    expect(r.code).toBe(1);
    for (const field of ['-h', '--token', '--fingerprint', '--node-name'])
      expect(r.stderr).toMatch(new RegExp(`^pveca: ${field}: `, 'm'));
    expect(r.stderr).not.toContain('bad token');
    expect(files(root)).toEqual([]);
  });

  test('an option another verb takes is refused, not ignored', async () => {
    const r = await run(['-l', '--token', TOKEN], freshRoot());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--token: not an option of -l/);
    expect(r.stderr).not.toContain(TOKEN);
    const h = await run(['-c', '-h', '10.0.0.1'], freshRoot());
    expect(h.stderr).toMatch(/-h: -h MEMBER_IP belongs to -a/);
  });
});

describe('--root DIR touches nothing outside DIR', () => {
  test('pveca -c: files only below DIR; no systemctl or corosync tool; each skipped action named', async () => {
    const root = freshRoot();
    const r = await run(
      ['-c', '--name', 'lab', '--token', TOKEN, '--node-name', 'n1', '--address', '10.9.9.1'],
      root,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(files(root)).toEqual([
      'etc/corosync/authkey',
      'etc/corosync/corosync.conf',
      'etc/openve/cluster.json',
      'etc/openve/cluster/ca.key',
      'etc/openve/cluster/ca.pem',
      'etc/openve/cluster/cert.pem',
      'etc/openve/cluster/key.pem',
      'etc/openve/cluster/node.key',
      'etc/openve/cluster/node.pem',
      'etc/openve/cluster/token',
    ]);
    // the only commands: openssl writing the service certificate, the cluster CA and this node's
    // certificate, every file below DIR
    expect(r.calls.map((c) => c[0])).toEqual(Array(5).fill('openssl'));
    for (const openssl of r.calls)
      for (const flag of ['-keyout', '-out', '-in', '-CA', '-CAkey', '-extfile'])
        if (openssl.includes(flag))
          expect(openssl[openssl.indexOf(flag) + 1]!.startsWith(root + path.sep)).toBe(true);
    expect(r.stderr).toMatch(/--root .*: skipped starting corosync \(would run: systemctl enable/);
    expect(r.stderr).toMatch(/skipped starting the cluster service/);
    expect(r.stdout).toMatch(/\(corosync not started\)/);

    const list = await run(['-l'], root);
    expect(list.code).toBe(0);
    expect(list.calls).toEqual([]); // no corosync-quorumtool against this machine's corosync
    expect(list.stdout).toMatch(/unknown: corosync is not running on this node/);

    const leave = await run(['leave'], root);
    expect(leave.code, leave.stderr).toBe(0);
    expect(leave.calls).toEqual([]);
    expect(leave.stderr).toMatch(/skipped stopping corosync/);
    expect(files(root)).toEqual(['etc/openve/cluster/cert.pem', 'etc/openve/cluster/key.pem']);
    expect(existsSync(path.join(root, 'etc/corosync/authkey'))).toBe(false);
  });
});

describe('--root DIR with libvirt installed below it', () => {
  test('pveca -c: libvirt/QEMU TLS files and configs below DIR only, systemctl skipped and named; the upgrade command again leaves the configs as they are', async () => {
    const root = freshRoot();
    const fixtures = path.join(import.meta.dirname, 'fixtures/libvirt');
    mkdirSync(path.join(root, 'etc/libvirt'), { recursive: true });
    for (const f of ['libvirtd.conf', 'qemu.conf'])
      cpSync(path.join(fixtures, f), path.join(root, 'etc/libvirt', f));
    const r = await run(
      ['-c', '--name', 'lab', '--token', TOKEN, '--node-name', 'n1', '--address', '10.9.9.1'],
      root,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(
      files(root).filter((f) => !f.startsWith('etc/openve/') && !f.startsWith('etc/corosync/')),
    ).toEqual([
      'etc/libvirt/libvirtd.conf',
      'etc/libvirt/qemu.conf',
      'etc/pki/CA/cacert.pem',
      'etc/pki/libvirt/clientcert.pem',
      'etc/pki/libvirt/private/clientkey.pem',
      'etc/pki/libvirt/private/serverkey.pem',
      'etc/pki/libvirt/servercert.pem',
      'etc/pki/qemu/ca-cert.pem',
      'etc/pki/qemu/client-cert.pem',
      'etc/pki/qemu/client-key.pem',
      'etc/pki/qemu/server-cert.pem',
      'etc/pki/qemu/server-key.pem',
    ]);
    expect(readFileSync(path.join(root, 'etc/libvirt/libvirtd.conf'), 'utf8')).toMatch(
      /^listen_tls = 1\nlisten_tcp = 0\n/m,
    );
    // still only openssl, every path below DIR (checked by the test above): no systemctl here
    expect(r.calls.map((c) => c[0])).toEqual(Array(5).fill('openssl'));
    expect(r.stderr).toMatch(
      /skipped enabling libvirt TLS \(would run: systemctl stop libvirtd\.service libvirtd\.socket libvirtd-ro\.socket libvirtd-admin\.socket libvirtd-tls\.socket; systemctl enable libvirtd-tls\.socket; systemctl start libvirtd\.socket libvirtd-ro\.socket libvirtd-admin\.socket libvirtd-tls\.socket; systemctl start libvirtd\.service\)/,
    );
    expect(r.stdout).toMatch(
      /libvirt TLS \(qemu\+tls:\/\/ migration\) from the cluster CA: 12 files written/,
    );
    const before = files(root).map((f) => [f, readFileSync(path.join(root, f), 'utf8')]);
    // idempotent: the upgrade command sets it up again (a fresh node certificate), the configs stay
    const again = await run(['--upgrade-ca'], root);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(
      /skipped enabling libvirt TLS \(would run: systemctl stop libvirtd/,
    );
    const libvirtFiles = (l: string[][]) => l.filter(([f]) => f!.startsWith('etc/libvirt/'));
    expect(
      libvirtFiles(files(root).map((f) => [f, readFileSync(path.join(root, f), 'utf8')])),
    ).toEqual(libvirtFiles(before));
  });
});

describe('help', () => {
  test('-h alone and --help print the usage, exit 0', async () => {
    for (const argv of [['-h'], ['--help']]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^usage: pveca -c/);
      expect(r.stdout).toMatch(/pveca leave/);
    }
  });

  test.each([
    [['-c', '--help'], /^usage: pveca -c \[--name CLUSTER\]/],
    [['-a', '--help'], /^usage: pveca -a -h MEMBER/],
    [['-a', '-h', '10.0.0.1', '--help'], /^usage: pveca -a -h MEMBER/],
    [['-l', '--help'], /^usage: pveca -l/],
    [['-i', '--help'], /^usage: pveca -i/],
    [['-d', 'node2', '--help'], /^usage: pveca -d NODE/],
    // --help where a value belongs: the option must not swallow it (was "-d argument is ambiguous")
    [['-d', '--help'], /^usage: pveca -d NODE/],
    [['-a', '-h', '--help'], /^usage: pveca -a -h MEMBER/],
    [['-a', '--token', '--help'], /^usage: pveca -a -h MEMBER/],
    [['--upgrade-ca', '--help'], /^usage: pveca --upgrade-ca/],
    [['leave', '--help'], /^usage: pveca leave/],
    [['serve', '--help'], /^usage: pveca serve/],
  ])('%j answers with its own usage', async (argv, usage) => {
    const r = await run(argv);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(usage);
    expect(r.calls).toEqual([]);
  });

  test('--help with two verbs prints the whole usage', async () => {
    const r = await run(['-c', '-l', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/pveca leave/);
    expect(r.calls).toEqual([]);
  });

  test('-h keeps meaning the member address with -a (Proxmox: pveca -a -h IP)', async () => {
    const r = await run(['-a', '-h', '10.0.0.300', '--token', TOKEN], freshRoot());
    expect(r.stderr).toMatch(/-h: '10\.0\.0\.300' is not a valid/);
  });

  test('-h without its address, with another verb: says what -h is and where help is', async () => {
    for (const argv of [
      ['-l', '-h'],
      ['-h', '-l'],
      ['-a', '-h'],
    ]) {
      const r = await run(argv, freshRoot());
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^pveca: -h: needs the member's IP address .*--help, or -h alone/);
    }
  });

  test('no arguments: usage on stderr, exit 2', async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^usage: pveca/);
  });
});
