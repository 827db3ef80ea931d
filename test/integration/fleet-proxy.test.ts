// `openve-install serve` in its default mode, proxy-DHCP, next to a site's DHCP server: a bridge
// in the server's namespace joins the client and a "site" namespace running a plain dnsmasq that
// hands out addresses. The client (busybox udhcpc announcing itself as a PXE client) gets its
// address from the site server, and serve's dnsmasq answers it with the boot menu (proxy offer
// with undionly.kpxe) without handing out any address itself. Nothing leaves the namespaces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { realRunner } from '../../lib/exec/runner.ts';
import { TEMPLATE } from '../unit/fleet/template.ts';

const runner = realRunner();
const root = resolve(import.meta.dirname, '../..');
const ready =
  process.getuid?.() === 0 &&
  existsSync('/usr/sbin/dnsmasq') &&
  existsSync('/usr/lib/ipxe/undionly.kpxe') &&
  existsSync('/bin/busybox');

const id = String(process.pid % 100000);
const SRV = `fl-${id}p`;
const SITE = `fl-${id}d`;
const CLI = `fl-${id}k`;
const MAC = '52:54:00:fe:02:01';

let dir: string;
let server: ChildProcess | undefined;
let serverOut = '';

describe.skipIf(!ready)('openve-install serve as proxy-DHCP next to a site DHCP server', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fl-proxy-'));
    mkdirSync(join(dir, 'iso/live'), { recursive: true });
    writeFileSync(join(dir, 'iso/live/vmlinuz'), 'k');
    writeFileSync(join(dir, 'iso/live/initrd.img'), 'i');
    await runner.run([
      'xorriso',
      '-as',
      'mkisofs',
      '-R',
      '-o',
      join(dir, 'test.iso'),
      join(dir, 'iso'),
    ]);
    mkdirSync(join(dir, 'answers'));
    writeFileSync(join(dir, 'answers', `mac-${MAC.replace(/:/g, '')}.toml`), TEMPLATE);
    const sh = (argv: string[]) => runner.run(argv);
    for (const ns of [SRV, SITE, CLI]) {
      await sh(['ip', 'netns', 'add', ns]);
      await sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    }
    await sh([
      'ip',
      '-n',
      SRV,
      'link',
      'add',
      'fl-br0',
      'type',
      'bridge',
      'stp_state',
      '0',
      'forward_delay',
      '0',
    ]);
    await sh(['ip', '-n', SRV, 'addr', 'add', '10.88.8.1/24', 'dev', 'fl-br0']);
    await sh(['ip', '-n', SRV, 'link', 'set', 'fl-br0', 'up']);
    for (const [ns, name] of [
      [SITE, 'fl-d'],
      [CLI, 'fl-k'],
    ] as const) {
      await sh([
        'ip',
        '-n',
        SRV,
        'link',
        'add',
        `${name}0`,
        'type',
        'veth',
        'peer',
        `${name}1`,
        'netns',
        ns,
      ]);
      await sh(['ip', '-n', SRV, 'link', 'set', `${name}0`, 'master', 'fl-br0']);
      await sh(['ip', '-n', SRV, 'link', 'set', `${name}0`, 'up']);
      await sh(['ip', '-n', ns, 'link', 'set', `${name}1`, 'up']);
    }
    await sh(['ip', '-n', SITE, 'addr', 'add', '10.88.8.2/24', 'dev', 'fl-d1']);
    await sh(['ip', '-n', CLI, 'link', 'set', 'fl-k1', 'address', MAC]);
    // the site's DHCP server: addresses only, knows nothing of PXE
    await sh([
      'ip',
      'netns',
      'exec',
      SITE,
      'dnsmasq',
      '--port=0',
      '--interface=fl-d1',
      '--bind-interfaces',
      '--dhcp-range=10.88.8.100,10.88.8.150,10m',
      `--pid-file=${join(dir, 'site.pid')}`,
      `--dhcp-leasefile=${join(dir, 'site.leases')}`,
    ]);
    server = spawn(
      'ip',
      [
        'netns',
        'exec',
        SRV,
        process.execPath,
        join(root, 'bin/openve-install.js'),
        'serve',
        '--iso',
        join(dir, 'test.iso'),
        '--answers',
        join(dir, 'answers'),
        '--interface',
        'fl-br0',
        '--state-dir',
        join(dir, 'state'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server.stdout!.on('data', (d: Buffer) => (serverOut += d.toString()));
    server.stderr!.on('data', (d: Buffer) => (serverOut += d.toString()));
    const until = Date.now() + 60_000;
    while (!serverOut.includes(' ready in ')) {
      if (Date.now() > until || server.exitCode !== null)
        throw new Error(`serve not ready: ${serverOut}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    for (const pidFile of [join(dir, 'site.pid'), join(dir, 'state', 'dnsmasq.pid')]) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
      } catch {
        // not running
      }
    }
    for (const ns of [SRV, SITE, CLI])
      await runner.run(['ip', 'netns', 'del', ns], { reject: false });
    rmSync(dir, { recursive: true, force: true });
  });

  it('the site server leases the address, serve only answers PXE clients, with a proxy offer', async () => {
    expect(serverOut).toContain('dnsmasq proxy-DHCP on fl-br0');
    const script = join(dir, 'udhcpc.sh');
    writeFileSync(
      script,
      '#!/bin/sh\n[ "$1" = bound ] && echo "LEASE ip=$ip serverid=$serverid"\nexit 0\n',
      {
        mode: 0o755,
      },
    );
    const udhcpc = (extra: string[]) =>
      runner.run(
        [
          'ip',
          'netns',
          'exec',
          CLI,
          'busybox',
          'udhcpc',
          '-i',
          'fl-k1',
          '-n',
          '-q',
          '-f',
          '-t',
          '3',
          '-s',
          script,
          ...extra,
        ],
        {
          reject: false,
          timeoutMs: 60_000,
        },
      );
    const plain = await udhcpc([]);
    expect(plain.stdout, plain.stderr).toMatch(/LEASE ip=10\.88\.8\.1\d\d serverid=10\.88\.8\.2/);
    expect(readFileSync(join(dir, 'state', 'dnsmasq.log'), 'utf8')).not.toContain(MAC);
    // as firmware PXE asks: vendor class PXEClient, client architecture 0 (BIOS, option 93),
    // machine UUID (97). (udhcpc then takes the address-less proxy offer and gets no lease: a real
    // PXE ROM waits for both offers; only serve's answer is checked here.)
    await udhcpc([
      '-V',
      'PXEClient:Arch:00000:UNDI:002001',
      '-x',
      '0x5d:0000',
      '-x',
      '0x61:00' + '11'.repeat(16),
    ]);
    const log = readFileSync(join(dir, 'state', 'dnsmasq.log'), 'utf8');
    expect(log).toMatch(new RegExp(`PXE\\(fl-br0\\) ${MAC} proxy`));
    expect(log).not.toMatch(/DHCPOFFER|DHCPACK/);
  });
});
