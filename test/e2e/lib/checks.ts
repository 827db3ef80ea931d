// What a freshly installed node must show (issue 4): checked over SSH as root with the answered key.
import type { Ssh } from './ssh.ts';
import { ADDRESS, FIRST_BOOT_MARKER, FQDN, type E2eCase } from './answers.ts';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * Waits for the boot to finish and prints the state (first line), then the failed units, and for
 * each the end of its journal of this boot with boot-relative times, so that a `degraded` node in
 * CI explains itself in the test output instead of only naming the unit.
 */
export const SYSTEM_RUNNING_CMD = [
  'systemctl is-system-running --wait 2>/dev/null || true',
  'systemctl --failed --no-legend --plain',
  "for u in $(systemctl --failed --no-legend --plain | awk '{print $1}'); do " +
    'echo "--- journalctl -u $u -b (last 20 lines)"; ' +
    'journalctl -u "$u" -b --no-pager -o short-monotonic | tail -n 20; done',
].join('; ');

export const systemRunning = (stdout: string): boolean => stdout.split('\n')[0] === 'running';

/** The thin pool openve/data is registered with dmeventd (lvm2-monitor's job at boot). */
export const POOL_MONITORED_CMD = 'lvs --noheadings -o seg_monitor openve/data';

/**
 * lvm2-monitor against a dmeventd that does not answer within libdevmapper-event's ~6 s (what a
 * loaded TCG boot did: status=5/NOTINSTALLED, node `degraded`). Stops lvm2-monitor (its ExecStop
 * unregisters the pool) and dmeventd, makes dmeventd's next start sleep 15 s before it runs (a
 * runtime drop-in under /run, removed again), starts lvm2-monitor, waits while it is activating,
 * and prints its state, restarts, the pool's monitoring and the unit's journal. Passes only if the
 * unit retries until dmeventd answers (the payload's lvm2-monitor.service.d/openve-dmeventd.conf);
 * without that drop-in the unit ends `failed` after its one attempt.
 */
export const SLOW_DMEVENTD_CMD = [
  'd=/run/systemd/system/dm-event.service.d',
  'systemctl stop lvm2-monitor.service dm-event.service',
  'mkdir -p $d',
  'printf "[Service]\\nExecStart=\\nExecStart=/bin/sh -c \'sleep 15; exec /usr/sbin/dmeventd -f\'\\n" > $d/e2e-slow.conf',
  'systemctl daemon-reload',
  'systemctl start lvm2-monitor.service; rc=$?',
  'i=0; while [ $i -lt 90 ] && [ "$(systemctl show -P ActiveState lvm2-monitor.service)" = activating ]; do sleep 1; i=$((i+1)); done',
  'rm -f $d/e2e-slow.conf; systemctl daemon-reload',
  'echo "start exit $rc"',
  'systemctl show -p ActiveState -p Result -p NRestarts lvm2-monitor.service',
  POOL_MONITORED_CMD,
  'journalctl -u lvm2-monitor.service -b --no-pager -o short-monotonic | tail -n 10',
].join('; ');

/** What SLOW_DMEVENTD_CMD must print: restarted until dmeventd answered, active, pool monitored. */
export function slowDmeventdOk(stdout: string): boolean {
  const restarts = /^NRestarts=(\d+)$/m.exec(stdout);
  return (
    /^ActiveState=active$/m.test(stdout) &&
    /^Result=success$/m.test(stdout) &&
    restarts !== null &&
    Number(restarts[1]) >= 1 &&
    /^\s*monitored\s*$/m.test(stdout)
  );
}

export async function nodeChecks(c: E2eCase, ssh: Ssh): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const check = async (
    name: string,
    cmd: string,
    ok: (stdout: string, code: number) => boolean,
    timeoutMs = 60_000,
  ) => {
    const r = await ssh(cmd, timeoutMs);
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
  // Wait for boot to settle, then require running (degraded lists the failed units and their journals).
  await check('systemctl is-system-running', SYSTEM_RUNNING_CMD, systemRunning);
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
    // the pool was activated in the initramfs: lvm2-monitor registered it with dmeventd at boot
    await check('thin pool openve/data monitored', POOL_MONITORED_CMD, (s) => s === 'monitored');
    // last: it restarts lvm2-monitor (leaving it active and the pool monitored when it passes)
    await check(
      'lvm2-monitor waits out a slow dmeventd',
      SLOW_DMEVENTD_CMD,
      (s) => slowDmeventdOk(s),
      180_000,
    );
  }
  return out;
}
