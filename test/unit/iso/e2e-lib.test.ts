import { describe, expect, it } from 'vitest';
import { qemuArgv, hasHardwareVirt, OVMF_CODE } from '../../e2e/lib/qemu.ts';
import { matrix, renderAnswer, disksFor } from '../../e2e/lib/answers.ts';
import { waitForSsh } from '../../e2e/lib/ssh.ts';

const base = { disks: ['/t/d0.qcow2'], sshPort: 2222, serialLog: '/t/s.log', kvm: false };

describe('qemu command line', () => {
  it('SeaBIOS install boot: TCG, virtio disk, CD first, user net with SSH forwarded to localhost', () => {
    const a = qemuArgv({ ...base, firmware: 'bios', iso: '/t/o.iso', noReboot: true });
    expect(a.join(' ')).toContain('-accel tcg,thread=multi -smp 2 -m 2048');
    expect(a).toContain('user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:2222-:22');
    // a static node: DHCP clients behind it (containers on vmbr0) get addresses from .100, SSH goes to the node
    expect(qemuArgv({ ...base, firmware: 'bios', staticGuest: '10.0.2.15' })).toContain(
      'user,model=virtio-net-pci,dhcpstart=10.0.2.100,hostfwd=tcp:127.0.0.1:2222-10.0.2.15:22',
    );
    expect(a).toContain('file=/t/d0.qcow2,if=virtio,format=qcow2,cache=unsafe,index=0');
    expect(a).toContain('-no-reboot');
    expect(a.join(' ')).toContain('-boot order=dc');
    expect(a.join(' ')).not.toContain('pflash');
  });
  it('OVMF: 4M code read-only plus the writable VARS copy', () => {
    const a = qemuArgv({ ...base, firmware: 'uefi', varsFile: '/t/vars.fd' });
    expect(a).toContain(`if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`);
    expect(a).toContain('if=pflash,format=raw,file=/t/vars.fd');
    expect(a.join(' ')).toContain('-boot order=c');
    expect(() => qemuArgv({ ...base, firmware: 'uefi' })).toThrow(/varsFile/);
  });
  it('KVM only with vmx/svm in /proc/cpuinfo', () => {
    expect(hasHardwareVirt('flags\t\t: fpu vme sse2\n')).toBe(false);
    expect(hasHardwareVirt('flags\t\t: fpu vmx sse2\n')).toBe(true);
    expect(qemuArgv({ ...base, firmware: 'bios', kvm: true }).join(' ')).toContain(
      '-accel kvm -cpu host',
    );
  });
});

describe('e2e answers', () => {
  it('the matrix is BIOS/UEFI x ext4/xfs/btrfs x static/DHCP', () => {
    const m = matrix();
    expect(m).toHaveLength(12);
    expect(new Set(m.map((c) => c.name)).size).toBe(12);
  });
  it('btrfs cases use RAID1 on two disks; static cases the QEMU user-net address', () => {
    const c = { name: 'x', firmware: 'bios', filesystem: 'btrfs', network: 'static' } as const;
    expect(disksFor(c)).toEqual(['vda', 'vdb']);
    const t = renderAnswer(c, 'ssh-ed25519 AAAA test', 'pw');
    expect(t).toContain('btrfs.raid = "raid1"');
    expect(t).toContain('cidr = "10.0.2.15/24"');
    expect(t).toContain('root-ssh-keys = ["ssh-ed25519 AAAA test"]');
    expect(renderAnswer({ ...c, filesystem: 'ext4', network: 'dhcp' }, 'k', 'pw')).toContain(
      'source = "from-dhcp"',
    );
  });
});

describe('e2e answers are valid answer files', async () => {
  const { parseAnswers } = await import('../../../installer/answers/parse.ts');
  for (const c of matrix()) {
    it(c.name, () => {
      const r = parseAnswers(
        renderAnswer(
          c,
          'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl openve-e2e',
          'passw0rd-fixture',
        ),
      );
      expect(r.ok ? [] : r.issues).toEqual([]);
    });
  }
});

describe('e2e helpers', () => {
  it('USB stick: raw ISO on xHCI usb-storage, first in the boot order', async () => {
    const { usbStickArgs } = await import('../../e2e/lib/qemu.ts');
    expect(usbStickArgs('/t/o.iso').join(' ')).toBe(
      '-device qemu-xhci,id=xhci -drive if=none,id=stick,format=raw,readonly=on,file=/t/o.iso -device usb-storage,bus=xhci.0,drive=stick,removable=on,bootindex=0',
    );
  });
  it('USB cases are named and kept apart from the CD-ROM matrix', async () => {
    const { usbCases } = await import('../../e2e/lib/answers.ts');
    expect(usbCases().map((c) => c.name)).toEqual(['bios-ext4-dhcp-usb', 'uefi-xfs-static-usb']);
    expect(matrix().some((c) => c.medium === 'usb')).toBe(false);
  });
  it('install step times from the install log', async () => {
    const { parseInstallSteps } = await import('../../e2e/lib/scenario.ts');
    const log = [
      '[t] openve-install auto: answer a, payload p, target /target, mode real (process up 6.1 s)',
      '[t] == wipe:vda done in 1141 ms',
      '[t] $ tar --zstd -xpf p -C /target',
      '[t] == extract:payload done in 44184 ms',
    ].join('\n');
    expect(parseInstallSteps(log)).toEqual({
      startup: 6.1,
      'wipe:vda': 1.1,
      'extract:payload': 44.2,
    });
  });
});

describe('waitForSsh', () => {
  const result = (exitCode: number) => ({
    argv: ['ssh'],
    exitCode,
    stdout: '',
    stderr: '',
    durationMs: 1,
  });
  it('tries until the first login, then stops', async () => {
    const seen: string[] = [];
    let n = 0;
    const ssh = async (cmd: string) => (seen.push(cmd), result(++n < 3 ? 255 : 0));
    const up = await waitForSsh(ssh, {
      deadline: Date.now() + 5000,
      pauseMs: 1,
      gone: () => false,
    });
    expect(up).toBe(true);
    expect(seen).toEqual(['true', 'true', 'true']);
  });
  it('gives up when the guest is gone or the deadline passed', async () => {
    let tries = 0;
    const ssh = async () => (tries++, result(255));
    expect(
      await waitForSsh(ssh, { deadline: Date.now() + 5000, pauseMs: 1, gone: () => tries >= 2 }),
    ).toBe(false);
    expect(tries).toBe(2);
    expect(await waitForSsh(ssh, { deadline: Date.now() - 1, pauseMs: 1, gone: () => false })).toBe(
      false,
    );
    expect(tries).toBe(2);
  });
});
