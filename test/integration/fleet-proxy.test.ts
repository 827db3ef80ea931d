// `openve-install serve` in its default mode, proxy-DHCP, next to a site's DHCP server: a bridge
// in the server's namespace joins the client and a "site" namespace running a plain dnsmasq that
// hands out addresses. The client (busybox udhcpc announcing itself as a PXE client) gets its
// address from the site server, and serve's dnsmasq answers it with the boot menu (proxy offer
// with undionly.kpxe) without handing out any address itself. Nothing leaves the namespaces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realRunner } from '../../lib/exec/runner.ts';
import { TEMPLATE } from '../unit/fleet/template.ts';
import {
  killQuietly,
  macFile,
  makeBootIso,
  startServe,
  writeAnswerDir,
  type Serve,
} from '../helpers/fleet.ts';

const runner = realRunner();
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
let serve: Serve | undefined;

describe.skipIf(!ready)('openve-install serve as proxy-DHCP next to a site DHCP server', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fl-proxy-'));
    const iso = await makeBootIso(runner, dir);
    writeAnswerDir(dir, { [macFile(MAC)]: TEMPLATE });
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
    serve = await startServe(
      SRV,
      ['--iso', iso, '--answers', join(dir, 'answers'), '--interface', 'fl-br0'],
      join(dir, 'state'),
    );
  });

  afterAll(async () => {
    await serve?.stop();
    if (existsSync(join(dir, 'site.pid')))
      killQuietly(Number(readFileSync(join(dir, 'site.pid'), 'utf8')));
    for (const ns of [SRV, SITE, CLI])
      await runner.run(['ip', 'netns', 'del', ns], { reject: false });
    rmSync(dir, { recursive: true, force: true });
  });

  it('the site server leases the address, serve only answers PXE clients, with a proxy offer', async () => {
    expect(serve!.output()).toContain('dnsmasq proxy-DHCP on fl-br0');
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
