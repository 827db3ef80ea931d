// What a freshly installed node must show (issue 4): checked over SSH as root with the answered key.
import type { Ssh } from './ssh.ts';
import { ADDRESS, FIRST_BOOT_MARKER, FQDN, type E2eCase } from './answers.ts';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export async function nodeChecks(c: E2eCase, ssh: Ssh): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const check = async (
    name: string,
    cmd: string,
    ok: (stdout: string, code: number) => boolean,
  ) => {
    const r = await ssh(cmd, 60_000);
    const detail = `${r.stdout}${r.stderr}`.trim();
    out.push({ name, ok: ok(r.stdout.trim(), r.exitCode), detail });
  };
  const short = FQDN.split('.')[0] ?? FQDN;

  await check('root login (SSH key)', 'id -un', (s) => s === 'root');
  await check(
    'hostname',
    'hostname; hostname -f 2>/dev/null || true',
    (s) => s.split('\n')[0] === short,
  );
  await check(
    'vmbr0 address',
    'ip -4 -o addr show dev vmbr0; ip -o link show dev vmbr0',
    (s) => s.includes(`inet ${ADDRESS}/24`) && !/state DOWN/.test(s),
  );
  // issue 10: the bridge's NIC is pinned by MAC by default, and udev applied that .link file
  await check(
    'management NIC pinned by MAC',
    'n=$(ls /sys/class/net/vmbr0/brif | head -n1); f=/etc/systemd/network/50-openve-$n.link; ' +
      'grep -ix "MACAddress=$(cat /sys/class/net/$n/address)" $f && grep -x "Name=$n" $f && ' +
      'udevadm info -q property /sys/class/net/$n | grep "^ID_NET_LINK_FILE="',
    (s, code) => code === 0 && /ID_NET_LINK_FILE=\/etc\/systemd\/network\/50-openve-/.test(s),
  );
  if (c.network === 'static')
    await check('default route', 'ip -4 route show default', (s) => s.includes('via 10.0.2.2'));
  // Wait for boot to settle, then require running (degraded lists the failed units).
  await check(
    'systemctl is-system-running',
    'systemctl is-system-running --wait 2>/dev/null || true; systemctl --failed --no-legend --plain',
    (s) => s.split('\n')[0] === 'running',
  );
  await check(
    'qemu-system-x86 and lxc installed',
    "dpkg-query -W -f='${Package} ${Status}\\n' qemu-system-x86 lxc",
    (s) => s.split('\n').filter((l) => l.endsWith('install ok installed')).length === 2,
  );
  await check(
    'kvm module or clear no-VT-x note',
    'if grep -qwE "vmx|svm" /proc/cpuinfo; then lsmod | grep -w ^kvm && echo kvm-loaded; else modinfo -n kvm >/dev/null && echo "no VT-x/AMD-V in this (TCG) guest: kvm module present, not loadable"; fi',
    (s) => s.includes('kvm-loaded') || s.includes('no VT-x'),
  );
  await check(
    'lxc works',
    'lxc-checkconfig >/dev/null 2>&1 && lxc-ls --version',
    (_s, code) => code === 0,
  );
  await check('first-boot hook ran', `cat ${FIRST_BOOT_MARKER}`, (s) =>
    s.startsWith('first-boot ran'),
  );
  await check(
    'install log on target',
    'ls -A /var/log/openve-install/',
    (s, code) => code === 0 && s.length > 0,
  );
  await check('root password set', 'getent shadow root | cut -d: -f2 | cut -c1-3', (s) =>
    /^\$(y|6|5)\$/.test(s),
  );
  // booted through the installer's grub.cfg (serial console on the kernel line), and update-grub,
  // which every kernel update runs, still builds a menu with this kernel from our defaults
  await check(
    'booted by the installed GRUB menu',
    'cat /proc/cmdline',
    (s) => s.includes('console=ttyS0,115200n8') && s.includes(' ro'),
  );
  await check(
    'grub-mkconfig (kernel updates) works',
    'grub-mkconfig -o /tmp/grub.check.cfg >/dev/null 2>&1 && grep -c "^menuentry .openve GNU/Linux" /tmp/grub.check.cfg && grep -q "terminal_output console serial" /tmp/grub.check.cfg && echo serial-terminal',
    (s, code) => code === 0 && s.includes('serial-terminal'),
  );
  if (c.filesystem === 'btrfs') {
    await check('btrfs raid1', 'btrfs filesystem df / | head -3', (s) => /RAID1/i.test(s));
  } else {
    await check(
      `root is ${c.filesystem} on LVM`,
      'findmnt -n -o FSTYPE,SOURCE /',
      (s) => s.startsWith(c.filesystem) && s.includes('openve'),
    );
  }
  return out;
}
