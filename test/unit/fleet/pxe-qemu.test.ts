// test/e2e/lib/pxe.mjs: the install network, the one QEMU argv of the fleet guests (e2e test and
// bench) and the check for a guest that cannot go on.
import { describe, expect, it } from 'vitest';
import {
  frozenGuest,
  installNetworkCommands,
  OVMF_CODE,
  pxeQemuArgv,
  TCG_KERNEL_ARGS,
} from '../../e2e/lib/pxe.mjs';

describe('fleet PXE guests', () => {
  it('install network: namespace, bridge without STP or forwarding delay, one tap each, in order', () => {
    const cmds = installNetworkCommands({
      ns: 'fl-ns',
      bridge: 'fl-br0',
      address: '10.88.9.1/24',
      taps: ['fl-tap0', 'fl-tap1'],
    }).map((a) => a.join(' '));
    expect(cmds[0]).toBe('ip netns add fl-ns');
    expect(cmds).toContain('ip -n fl-ns link set lo up');
    expect(cmds).toContain('ip -n fl-ns link add fl-br0 type bridge stp_state 0');
    expect(cmds).toContain('ip -n fl-ns link set fl-br0 type bridge forward_delay 0');
    expect(cmds).toContain('ip -n fl-ns addr add 10.88.9.1/24 dev fl-br0');
    for (const tap of ['fl-tap0', 'fl-tap1']) {
      const add = cmds.indexOf(`ip -n fl-ns tuntap add dev ${tap} mode tap`);
      expect(add).toBeGreaterThan(cmds.indexOf('ip -n fl-ns link set fl-br0 up'));
      expect(cmds.slice(add + 1, add + 3)).toEqual([
        `ip -n fl-ns link set ${tap} master fl-br0`,
        `ip -n fl-ns link set ${tap} up`,
      ]);
    }
    expect(cmds).toHaveLength(6 + 3 * 2);
  });

  it('BIOS: QEMU iPXE ROM on the NIC, network first, the disk second, TCG single-threaded', () => {
    const argv = pxeQemuArgv({
      name: 'fl-x',
      ns: 'fl-ns',
      tap: 'fl-tap0',
      mac: '52:54:00:fe:01:01',
      serial: '/tmp/s.log',
      firmware: 'bios',
      disk: '/tmp/d.qcow2',
    });
    expect(argv.slice(0, 5)).toEqual(['ip', 'netns', 'exec', 'fl-ns', 'qemu-system-x86_64']);
    const line = argv.join(' ');
    expect(line).toContain('-accel tcg,thread=single');
    expect(line).toContain('virtio-net-pci,netdev=n0,mac=52:54:00:fe:01:01,bootindex=1 ');
    expect(line).toContain('virtio-blk-pci,drive=d0,bootindex=2');
    expect(line).not.toContain('pflash');
  });

  it("UEFI: OVMF's own PXE (no option ROM), its variables writable", () => {
    const g = {
      ns: 'fl-ns',
      tap: 'fl-tap1',
      mac: '52:54:00:fe:01:02',
      serial: '/tmp/u.log',
      firmware: 'uefi' as const,
    };
    expect(() => pxeQemuArgv(g)).toThrow(/OVMF_VARS/);
    const line = pxeQemuArgv({ ...g, vars: '/tmp/vars.fd' }).join(' ');
    expect(line).toContain(`if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`);
    expect(line).toContain('if=pflash,format=raw,unit=1,file=/tmp/vars.fd');
    expect(line).toContain(',bootindex=1,romfile=');
    expect(line).not.toContain('bootindex=2');
  });

  it('a guest that cannot go on is named, including the initramfs giving up on the network', () => {
    expect(frozenGuest('ok\n[  1.0] Kernel panic - not syncing: VFS\nmore')).toBe(
      '[  1.0] Kernel panic - not syncing: VFS'.slice(8),
    );
    expect(frozenGuest('systemd[1]: Freezing execution.\n')).toBe(
      'systemd[1]: Freezing execution.',
    );
    expect(frozenGuest('Unable to find a live file system on the network\n')).toBe(
      'Unable to find a live file system on the network',
    );
    expect(
      frozenGuest('Begin: openve: fetching http://10.88.0.1/live/openve.squashfs ... done.'),
    ).toBeNull();
  });

  it('every guest kernel skips the IO-APIC timer check (it panicked a guest at load 22)', () => {
    expect(TCG_KERNEL_ARGS.split(' ')).toContain('no_timer_check');
  });
});
