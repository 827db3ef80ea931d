// A new container's network inside its rootfs: networkd units for DHCP NICs only (LXC configures
// static ones), networkd enabled when it is there, resolv.conf from the node when the template left
// it empty; links in the template are never followed.
import { afterEach, describe, expect, it } from 'vitest';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ctNetworkFiles,
  resolvConfFrom,
  writeCtNetwork,
} from '../../../manager/server/guests/ctNetwork.ts';
import type { CtConfig } from '../../../contracts/manager/guest.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function rootfs(opts: { networkd?: boolean; resolv?: string | 'link' } = {}): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'openve-ctnet-'));
  dirs.push(d);
  mkdirSync(path.join(d, 'etc'), { recursive: true });
  if (opts.networkd !== false) {
    mkdirSync(path.join(d, 'usr/lib/systemd/system'), { recursive: true });
    writeFileSync(path.join(d, 'usr/lib/systemd/system/systemd-networkd.service'), '[Unit]\n');
  }
  if (opts.resolv === 'link')
    symlinkSync('/run/systemd/resolve/stub-resolv.conf', path.join(d, 'etc/resolv.conf'));
  else if (opts.resolv !== undefined) writeFileSync(path.join(d, 'etc/resolv.conf'), opts.resolv);
  return d;
}

const nic = (name: string, ip: string): CtConfig['nics'][number] =>
  ({ name, bridge: 'vmbr0', ip }) as CtConfig['nics'][number];
const HOST = 'nameserver 127.0.0.53\nnameserver 192.0.2.53\nsearch example.org\noptions edns0\n';

describe('container network files', () => {
  it('makes a networkd unit for each DHCP NIC only', () => {
    const files = ctNetworkFiles([nic('eth0', 'dhcp'), nic('eth1', '10.0.0.5/24')]);
    expect(files).toEqual([
      {
        rel: 'etc/systemd/network/10-openve-eth0.network',
        text: expect.stringMatching(/\[Match\]\nName=eth0\n\n\[Network\]\nDHCP=ipv4\n$/),
      },
    ]);
  });

  it("keeps the node's name servers and search domains, not its loopback resolver", () => {
    expect(resolvConfFrom(HOST)).toBe(
      '# from the node at container creation (openve)\nnameserver 192.0.2.53\nsearch example.org\n',
    );
    expect(resolvConfFrom('nameserver 127.0.0.1\n')).toBe('');
  });

  it('writes the unit, enables networkd, fills an empty resolv.conf, owned by the container root', () => {
    const d = rootfs({ resolv: '' });
    const did = writeCtNetwork(d, [nic('eth0', 'dhcp')], HOST, 100000);
    expect(did).toEqual([
      '/etc/systemd/network/10-openve-eth0.network',
      'systemd-networkd enabled',
      '/etc/resolv.conf from the node',
    ]);
    const unit = path.join(d, 'etc/systemd/network/10-openve-eth0.network');
    expect(readFileSync(unit, 'utf8')).toContain('DHCP=ipv4');
    expect(lstatSync(unit).uid).toBe(100000);
    const want = path.join(
      d,
      'etc/systemd/system/multi-user.target.wants/systemd-networkd.service',
    );
    expect(readlinkSync(want)).toBe('/usr/lib/systemd/system/systemd-networkd.service');
    expect(lstatSync(want).uid).toBe(100000);
    expect(readFileSync(path.join(d, 'etc/resolv.conf'), 'utf8')).toContain(
      'nameserver 192.0.2.53',
    );
  });

  it('a static NIC only: no unit, networkd left alone; a resolv.conf with content is kept', () => {
    const d = rootfs({ resolv: 'nameserver 198.51.100.1\n' });
    expect(writeCtNetwork(d, [nic('eth0', '10.0.0.5/24')], HOST, 0)).toEqual([]);
    expect(existsSync(path.join(d, 'etc/systemd'))).toBe(false);
    expect(readFileSync(path.join(d, 'etc/resolv.conf'), 'utf8')).toBe('nameserver 198.51.100.1\n');
  });

  it('a template without networkd gets the unit but no link; a linked resolv.conf is kept', () => {
    const d = rootfs({ networkd: false, resolv: 'link' });
    expect(writeCtNetwork(d, [nic('eth0', 'dhcp')], HOST, 0)).toEqual([
      '/etc/systemd/network/10-openve-eth0.network',
    ]);
    expect(lstatSync(path.join(d, 'etc/resolv.conf')).isSymbolicLink()).toBe(true);
  });

  it('never writes through a link out of the container', () => {
    const d = rootfs();
    const outside = mkdtempSync(path.join(os.tmpdir(), 'openve-ctnet-out-'));
    dirs.push(outside);
    symlinkSync(outside, path.join(d, 'etc/systemd'));
    expect(() => writeCtNetwork(d, [nic('eth0', 'dhcp')], HOST, 0)).toThrow(/not a directory/);
    expect(existsSync(path.join(outside, 'network'))).toBe(false);
  });
});
