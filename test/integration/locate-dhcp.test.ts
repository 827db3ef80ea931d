// The DHCP and DNS answer sources end to end, as on the live ISO: systemd-networkd (the live system's
// DHCP client) in a network namespace gets option 250 (answer URL) and 251 (certificate
// fingerprint) from dnsmasq in another namespace; `openve-install locate` then reads the
// networkd lease, POSTs the system summary to the HTTPS server at that URL (self-signed,
// pinned by option 251) and saves the answer. Nothing leaves the two namespaces.
import { MINIMAL_DHCP_ANSWER } from './helpers/answers.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { realRunner } from '../../lib/exec/runner.ts';
import { selfSignedCert } from '../helpers/tls.ts';

const runner = realRunner();
const NETWORKD = '/lib/systemd/systemd-networkd';
const ready =
  process.getuid?.() === 0 &&
  existsSync(NETWORKD) &&
  existsSync('/usr/sbin/dnsmasq') &&
  existsSync('/usr/bin/nsenter');

const ANSWER = MINIMAL_DHCP_ANSWER;

const id = String(process.pid % 100000);
const SERVER_NS = `ovl${id}s`;
const CLIENT_NS = `ovl${id}c`;
const SERVER_IF = `ovl${id}s0`;
const CLIENT_IF = `ovl${id}c0`;

let dir: string;
const daemons: ChildProcess[] = [];

// Long-running helpers (DHCP server, DHCP client, answer server) are spawned directly: the
// CommandRunner runs commands to completion.
function daemon(argv: string[], log: string): ChildProcess {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  child.on('exit', () => writeFileSync(log, out));
  daemons.push(child);
  return child;
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!ready)(
  'locate: answer URL from DHCP (systemd-networkd, options 250/251) and DNS TXT (root, netns)',
  () => {
    let networkd: ChildProcess;
    let fingerprint = '';
    let bundle = '';

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'openve-locate-dhcp-'));
      await runner.run(['ip', 'netns', 'add', SERVER_NS]);
      await runner.run(['ip', 'netns', 'add', CLIENT_NS]);
      await runner.run(['ip', 'link', 'add', SERVER_IF, 'type', 'veth', 'peer', 'name', CLIENT_IF]);
      await runner.run(['ip', 'link', 'set', SERVER_IF, 'netns', SERVER_NS]);
      await runner.run(['ip', 'link', 'set', CLIENT_IF, 'netns', CLIENT_NS]);
      await runner.run(['ip', '-n', SERVER_NS, 'addr', 'add', '10.77.0.1/24', 'dev', SERVER_IF]);
      await runner.run(['ip', '-n', SERVER_NS, 'link', 'set', SERVER_IF, 'up']);
      await runner.run(['ip', '-n', CLIENT_NS, 'link', 'set', 'lo', 'up']);

      // answer server: https, self-signed; records what was POSTed
      const cert = await selfSignedCert(dir, '/CN=answers.lab.test');
      fingerprint = cert.fingerprint;
      writeFileSync(join(dir, 'answer.toml'), ANSWER);
      const serverJs = `
      const fs = require('node:fs'); const https = require('node:https');
      const d = ${JSON.stringify(dir)};
      https.createServer({ key: fs.readFileSync(${JSON.stringify(cert.keyFile)}), cert: fs.readFileSync(${JSON.stringify(cert.certFile)}) }, (req, res) => {
        let body = ''; req.on('data', (c) => (body += c)); req.on('end', () => {
          fs.writeFileSync(d + '/posted.json', JSON.stringify({ method: req.method, url: req.url, body }));
          res.writeHead(200, { 'content-type': 'application/toml' }).end(fs.readFileSync(d + '/answer.toml'));
        });
      }).listen(8443, '10.77.0.1', () => console.log('listening'));`;
      const server = daemon(
        ['ip', 'netns', 'exec', SERVER_NS, process.execPath, '-e', serverJs],
        join(dir, 'server.log'),
      );
      let serverOut = '';
      server.stdout!.on('data', (b: Buffer) => (serverOut += b.toString()));
      await waitFor('the answer server', () =>
        serverOut.includes('listening') ? true : undefined,
      );

      // as an administrator would configure it (quoted: a string, not colon-separated hex bytes)
      writeFileSync(
        join(dir, 'dnsmasq.conf'),
        `dhcp-option=250,"https://10.77.0.1:8443/answer?src=dhcp"\ndhcp-option=251,"${fingerprint}"\n`,
      );
      daemon(
        [
          // DHCP, and DNS for lab.test only (no upstream servers: nothing is forwarded anywhere)
          'ip',
          'netns',
          'exec',
          SERVER_NS,
          'dnsmasq',
          '--no-daemon',
          '--no-resolv',
          '--no-hosts',
          `--interface=${SERVER_IF}`,
          '--bind-interfaces',
          '--local=/lab.test/',
          '--txt-record=openve-answer.lab.test,https://10.77.0.1:8443/answer?src=dns',
          `--txt-record=openve-answer-cert-fingerprint.lab.test,${fingerprint}`,
          '--dhcp-range=10.77.0.50,10.77.0.60,1h',
          '--dhcp-authoritative',
          `--dhcp-leasefile=${join(dir, 'dnsmasq.leases')}`,
          `--conf-file=${join(dir, 'dnsmasq.conf')}`,
        ],
        join(dir, 'dnsmasq.log'),
      );

      // networkd as on the live ISO (iso/chroot/live-setup.sh), with RequestOptions=250 251; private
      // /run, read-only /sys (so networkd does not wait for udev, which does not run here)
      mkdirSync(join(dir, 'network'));
      writeFileSync(
        join(dir, 'network/50-openve-dhcp.network'),
        `[Match]\nName=${CLIENT_IF}\n\n[Network]\nDHCP=ipv4\nLinkLocalAddressing=no\n\n[DHCPv4]\nUseDomains=yes\nRequestOptions=250 251\n`,
      );
      networkd = daemon(
        [
          'ip',
          'netns',
          'exec',
          CLIENT_NS,
          'unshare',
          '-m',
          '--propagation',
          'private',
          'sh',
          '-c',
          'mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/netif && chown -R systemd-network:systemd-network /run/systemd/netif ' +
            `&& mount -o remount,ro /sys && mount --bind "$0" /etc/systemd/network && exec ${NETWORKD}`,
          join(dir, 'network'),
        ],
        join(dir, 'networkd.log'),
      );
      const leases = `/proc/${networkd.pid}/root/run/systemd/netif/leases`;
      await waitFor('a DHCP lease with option 250', () => {
        if (!existsSync(leases)) return undefined;
        return readdirSync(leases).some((f) =>
          readFileSync(join(leases, f), 'utf8').includes('OPTION_250='),
        )
          ? true
          : undefined;
      });

      // the CLI, bundled from source for this test (independent of the shared dist/)
      const entry = join(dir, 'locate-entry.ts');
      writeFileSync(
        entry,
        `import { run } from ${JSON.stringify(resolve('installer/locate/cli.ts'))};\n` +
          'process.exitCode = await run(process.argv.slice(2), process.env.LOCATE_PATHS ? JSON.parse(process.env.LOCATE_PATHS) : undefined);\n',
      );
      bundle = join(dir, 'locate.mjs');
      await build({
        entryPoints: [entry],
        outfile: bundle,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        logLevel: 'error',
        nodePaths: [resolve('node_modules')],
        banner: {
          js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
        },
      });
    });

    afterAll(async () => {
      for (const d of daemons) if (d.exitCode === null) d.kill('SIGTERM');
      await Promise.all(
        daemons.map((d) =>
          d.exitCode === null ? new Promise((r) => d.once('exit', r)) : undefined,
        ),
      );
      await runner.run(['ip', 'netns', 'del', SERVER_NS], { reject: false });
      await runner.run(['ip', 'netns', 'del', CLIENT_NS], { reject: false });
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('finds the URL in the networkd lease, pins the certificate from option 251, POSTs the system summary', async () => {
      const save = join(dir, 'saved');
      // the client's network and mount namespaces: its address, its /run/systemd/netif/leases
      const r = await runner.run(
        [
          'nsenter',
          '-t',
          String(networkd.pid),
          '-n',
          '-m',
          process.execPath,
          bundle,
          '--json',
          '--save',
          save,
          '--timeout',
          '20',
        ],
        {
          reject: false,
          timeoutMs: 120_000,
        },
      );
      const json = JSON.parse(r.stdout) as Record<string, unknown>;
      if (!json.found) console.log(JSON.stringify(json.attempts, null, 1), r.stderr);
      expect(json).toMatchObject({
        found: true,
        valid: true,
        source: 'http-dhcp',
        where: 'https://10.77.0.1:8443/answer?src=dhcp',
        fingerprint,
        withInstallMedia: false,
      });
      expect(r.exitCode).toBe(0);
      expect(readFileSync(join(save, 'answer.toml'), 'utf8')).toBe(ANSWER);
      const attempt = (json.attempts as { source: string; reason: string }[]).find(
        (a) => a.source === 'http-dhcp',
      )!;
      expect(attempt.reason).toMatch(
        /^DHCP option 250 in \/run\/systemd\/netif\/leases\/\d+; HTTP 200, \d+ bytes, certificate pinned$/,
      );
      const posted = JSON.parse(readFileSync(join(dir, 'posted.json'), 'utf8')) as {
        method: string;
        body: string;
      };
      expect(posted.method).toBe('POST');
      // hardware detection ran in the client's namespaces (its veth is virtual, so not listed as a NIC)
      const summary = JSON.parse(posted.body) as {
        product: { name: string };
        network_interfaces: unknown[];
        cpu?: unknown;
        memory_bytes?: number;
      };
      expect(summary.product.name).toBe('openve');
      expect(Array.isArray(summary.network_interfaces)).toBe(true);
      expect(summary.cpu).toBeDefined();
      expect(summary.memory_bytes).toBeGreaterThan(0);
      expect(r.stdout + r.stderr).not.toContain('passw0rd-fixture');
    });

    it('without DHCP options, finds the URL and pin in DNS TXT records under the search domain', async () => {
      // a resolv.conf like systemd-resolved writes from the lease (search domain from DHCP), seen
      // only by this process; DHCP leases looked for where there are none
      writeFileSync(join(dir, 'resolv.conf'), 'nameserver 10.77.0.1\nsearch lab.test\n');
      const paths = {
        dhclientLeases: [join(dir, 'none.leases')],
        networkdLeaseDir: join(dir, 'no-leases'),
      };
      const r = await runner.run(
        [
          'nsenter',
          '-t',
          String(networkd.pid),
          '-n',
          '-m',
          'unshare',
          '-m',
          '--propagation',
          'private',
          'sh',
          '-c',
          'mount --bind "$0" /etc/resolv.conf && exec "$@"',
          join(dir, 'resolv.conf'),
          process.execPath,
          bundle,
          '--json',
          '--network-wait',
          '0',
          '--timeout',
          '20',
        ],
        { reject: false, timeoutMs: 120_000, env: { LOCATE_PATHS: JSON.stringify(paths) } },
      );
      const json = JSON.parse(r.stdout) as Record<string, unknown>;
      if (!json.found) console.log(JSON.stringify(json.attempts, null, 1), r.stderr);
      expect(json).toMatchObject({
        found: true,
        valid: true,
        source: 'http-dns',
        where: 'https://10.77.0.1:8443/answer?src=dns',
        fingerprint,
      });
      const attempt = (json.attempts as { source: string; reason: string }[]).find(
        (a) => a.source === 'http-dns',
      )!;
      expect(attempt.reason).toMatch(
        /^TXT openve-answer\.lab\.test = https:\/\/10\.77\.0\.1:8443\/answer\?src=dns; HTTP 200, \d+ bytes, certificate pinned$/,
      );
      expect(JSON.parse(readFileSync(join(dir, 'posted.json'), 'utf8')).url).toBe(
        '/answer?src=dns',
      );
    });
  },
);
