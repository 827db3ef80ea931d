// A node removed with `pveca -d` loses libvirt TLS access (issue 14 §1), against a real libvirtd:
// two pveca nodes under temp roots (the real join service on 127.0.0.21/22, real openssl, corosync
// faked) create and join a cluster; the libvirtd.conf pveca wrote on the first node (its
// tls_allowed_dn_list) is served by a real libvirtd - unprivileged (uid nobody, session mode: it
// touches nothing of the host's libvirt), its TLS listener on 127.0.0.21 with the first node's
// certificates - and the second node's libvirt client certificate (the /etc/pki copy pveca made) is
// accepted while it is a member and refused after `pveca -d` (its certificate still signed by the
// cluster CA). No guest runs: a few seconds of CPU.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import type https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { realRunner } from '../../lib/exec/runner.ts';
import {
  createCluster,
  joinCluster,
  removeClusterNode,
} from '../../provision/cluster/commands/index.ts';
import { setConfKeys } from '../../provision/cluster/libvirtTls.ts';
import { startServer } from '../../provision/cluster/server.ts';
import { clusterNode, freePort } from '../unit/provision/clusterNode.ts';

const LIBVIRTD = '/usr/sbin/libvirtd';
const runnable = process.getuid?.() === 0 && existsSync(LIBVIRTD) && existsSync('/usr/bin/virsh');
const NOBODY = 65534;
const TOKEN = 'libvirt-dn-token-abcdefgh';
const FIXTURES = path.join(import.meta.dirname, '../unit/provision/fixtures/libvirt');

describe.skipIf(!runnable)(
  "libvirtd refuses a node removed with pveca -d (real libvirtd, pveca's tls_allowed_dn_list)",
  { timeout: 120_000 },
  () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'openve-cluster-dn-'));
    chmodSync(tmp, 0o755);
    const node = (name: string) => {
      const n = clusterNode(tmp, name);
      mkdirSync(path.dirname(n.paths.libvirtdConf), { recursive: true });
      for (const f of ['libvirtd.conf', 'qemu.conf'])
        cpSync(path.join(FIXTURES, f), path.join(n.paths.root, 'etc/libvirt', f));
      writeFileSync(n.paths.etcGroup, 'libvirt-qemu:x:64055:libvirt-qemu\n');
      return n;
    };
    const master = node('m');
    const second = node('s');
    const servers: https.Server[] = [];
    const daemons: ChildProcess[] = [];
    let port = 0;

    beforeAll(async () => {
      port = await freePort();
      const { fingerprint } = await createCluster(master.ctx, {
        clusterName: 'dn',
        token: TOKEN,
        nodeName: 'dn1',
        address: '127.0.0.21',
        port,
      });
      servers.push(
        await startServer({ ...master.ctx, log: () => undefined }, { port, host: '127.0.0.21' }),
      );
      await joinCluster(second.ctx, {
        master: '127.0.0.21',
        port,
        token: TOKEN,
        fingerprint,
        nodeName: 'dn2',
        address: '127.0.0.22',
      });
    });
    afterAll(async () => {
      for (const d of daemons) d.kill('SIGKILL');
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      rmSync(tmp, { recursive: true, force: true });
    });

    /** a pkipath dir for virsh with a node's libvirt client files (as pveca installed them) */
    function clientPki(n: typeof master, name: string): string {
      const dir = path.join(tmp, `client-${name}`);
      mkdirSync(dir, { recursive: true });
      const pki = n.paths.pkiDir;
      copyFileSync(path.join(pki, 'CA/cacert.pem'), path.join(dir, 'cacert.pem'));
      copyFileSync(path.join(pki, 'libvirt/clientcert.pem'), path.join(dir, 'clientcert.pem'));
      copyFileSync(
        path.join(pki, 'libvirt/private/clientkey.pem'),
        path.join(dir, 'clientkey.pem'),
      );
      return dir;
    }

    /** master's libvirtd.conf as pveca wrote it, served on 127.0.0.21:PORT by libvirtd as nobody */
    async function serve(run: string): Promise<{ port: number; log: () => string }> {
      const dir = path.join(tmp, `libvirtd-${run}`);
      const home = path.join(dir, 'home');
      mkdirSync(path.join(home, 'run'), { recursive: true });
      const pki = master.paths.pkiDir;
      for (const [from, to] of [
        ['CA/cacert.pem', 'ca.pem'],
        ['libvirt/servercert.pem', 'cert.pem'],
        ['libvirt/private/serverkey.pem', 'key.pem'],
      ] as const)
        copyFileSync(path.join(pki, from), path.join(dir, to));
      const tlsPort = await freePort();
      const conf = setConfKeys(readFileSync(master.paths.libvirtdConf, 'utf8'), [
        ['listen_addr', '"127.0.0.21"'],
        ['tls_port', `"${tlsPort}"`],
        ['ca_file', `"${dir}/ca.pem"`],
        ['cert_file', `"${dir}/cert.pem"`],
        ['key_file', `"${dir}/key.pem"`],
        ['unix_sock_dir', `"${home}/run"`],
      ]);
      writeFileSync(path.join(dir, 'libvirtd.conf'), conf);
      for (const f of ['', 'home', 'home/run', 'ca.pem', 'cert.pem', 'key.pem', 'libvirtd.conf'])
        chownSync(path.join(dir, f), NOBODY, NOBODY);
      let log = '';
      const d = spawn(
        'setpriv',
        [
          `--reuid=${NOBODY}`,
          `--regid=${NOBODY}`,
          '--clear-groups',
          LIBVIRTD,
          '--listen',
          '--config',
          path.join(dir, 'libvirtd.conf'),
          '-p',
          path.join(home, 'run/pid'),
        ],
        {
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: home,
            XDG_RUNTIME_DIR: path.join(home, 'run'),
            XDG_CONFIG_HOME: path.join(home, 'config'),
            XDG_CACHE_HOME: path.join(home, 'cache'),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      daemons.push(d);
      d.stdout.on('data', (b: Buffer) => (log += b.toString()));
      d.stderr.on('data', (b: Buffer) => (log += b.toString()));
      return { port: tlsPort, log: () => log };
    }

    const virsh = (tlsPort: number, pki: string) =>
      realRunner().run(
        ['virsh', '-c', `qemu+tls://127.0.0.21:${tlsPort}/session?pkipath=${pki}`, 'uri'],
        { reject: false, timeoutMs: 30_000 },
      );

    /** the first answer once libvirtd listens (a refused TCP connection is retried) */
    async function ask(tlsPort: number, pki: string) {
      let r = await virsh(tlsPort, pki);
      for (let i = 0; i < 60 && /Connection refused/.test(r.stderr); i++) {
        await new Promise((res) => setTimeout(res, 250));
        r = await virsh(tlsPort, pki);
      }
      return r;
    }

    const stopAll = () => {
      for (const d of daemons.splice(0)) d.kill('SIGTERM');
    };

    test("while dn2 is a member, dn1's libvirtd takes its certificate (and dn1's own)", async () => {
      // the coordinator rewrites its list once the join is answered
      for (
        let i = 0;
        i < 100 && !readFileSync(master.paths.libvirtdConf, 'utf8').includes('CN=dn2');
        i++
      )
        await new Promise((r) => setTimeout(r, 50));
      const l = await serve('member');
      const own = await ask(l.port, clientPki(master, 'dn1'));
      expect(own.exitCode, `${own.stderr}\n${l.log()}`).toBe(0);
      const other = await ask(l.port, clientPki(second, 'dn2'));
      expect(other.exitCode, `${other.stderr}\n${l.log()}`).toBe(0);
      stopAll();
    });

    test('after pveca -d dn2 --force: dn2 (its CA-signed certificate kept) is refused, dn1 still taken', async () => {
      const dn2 = clientPki(second, 'dn2-removed');
      const r = await removeClusterNode(master.ctx, 'dn2', true);
      expect(r.removed).toBe('dn2');
      const l = await serve('removed');
      const own = await ask(l.port, clientPki(master, 'dn1-after'));
      expect(own.exitCode, `${own.stderr}\n${l.log()}`).toBe(0);
      const refused = await ask(l.port, dn2);
      expect(refused.exitCode).not.toBe(0);
      expect(refused.stderr).toMatch(/failed to connect to the hypervisor/);
      // libvirtd's own reason: the DN list, not the CA
      for (let i = 0; i < 40 && !/Distinguished Name/.test(l.log()); i++)
        await new Promise((res) => setTimeout(res, 100));
      expect(l.log()).toMatch(/Distinguished Name is not on the list of allowed clients/);
      stopAll();
    });
  },
);
