import { describe, expect, it } from 'vitest';
import { parseLsblk, parseLsblkTree } from '../../../lib/parse/lsblk.ts';
import { parseIpAddr, parseIpLink, parseIpRoute } from '../../../lib/parse/ip.ts';

describe('lsblk -J (the one parser)', () => {
  const text = JSON.stringify({
    blockdevices: [
      {
        name: '/dev/sda',
        type: 'disk',
        mountpoints: [null],
        children: [
          {
            name: '/dev/sda1',
            type: 'part',
            label: 'OPENVE-AIS',
            fstype: 'vfat',
            mountpoints: ['/mnt'],
          },
        ],
      },
    ],
  });
  it('keeps the tree for callers that walk it, with absent columns empty', () => {
    const [sda] = parseLsblkTree(text);
    expect(sda?.mountpoints).toEqual([]);
    expect(sda?.children[0]).toMatchObject({
      name: '/dev/sda1',
      label: 'OPENVE-AIS',
      fstype: 'vfat',
      mountpoints: ['/mnt'],
      model: '',
    });
  });
  it('flattens with the parent kname', () => {
    expect(parseLsblk(text).map((r) => [r.name, r.parent])).toEqual([
      ['/dev/sda', null],
      ['/dev/sda1', '/dev/sda'],
    ]);
  });
  it('old util-linux strings and a missing blockdevices key', () => {
    expect(parseLsblk('{"blockdevices":[{"name":"vda","size":"1024","ro":"1"}]}')[0]).toMatchObject(
      { size: 1024, ro: true, path: '/dev/vda' },
    );
    expect(parseLsblk('{}')).toEqual([]);
    expect(() => parseLsblk('not json')).toThrow(SyntaxError);
  });
});

describe('ip -j (the one parser)', () => {
  it('link, addr and route', () => {
    expect(
      parseIpLink(
        '[{"ifname":"eth0","ifindex":2,"address":"AA:BB:CC:DD:EE:FF","link_type":"ether","flags":["UP"]}]',
      )[0],
    ).toMatchObject({
      ifname: 'eth0',
      mac: 'aa:bb:cc:dd:ee:ff',
      operstate: '',
    });
    expect(
      parseIpAddr(
        '[{"ifname":"eth0","addr_info":[{"family":"inet","local":"10.0.0.2","prefixlen":24,"scope":"global"}]}, 7]',
      ),
    ).toEqual([
      {
        ifname: 'eth0',
        addrs: [{ family: 'inet', local: '10.0.0.2', prefixlen: 24, scope: 'global' }],
      },
    ]);
    expect(parseIpRoute('[{"dst":"default","gateway":"10.0.0.1","dev":"eth0"}]')).toEqual([
      { dst: 'default', gateway: '10.0.0.1', dev: 'eth0', prefsrc: '' },
    ]);
  });
  it('refuses what is not a JSON array', () => {
    expect(() => parseIpAddr('{}')).toThrow(/expected a JSON array/);
  });
});
