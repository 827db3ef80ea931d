// The node manager on an installed node (issue 12), checked over SSH on the node itself: HTTPS on
// 8006 with the node's own certificate, 401 without credentials, root's password login (the
// password goes over SSH's stdin, never into a command line or a log), a tiny VM with a thin volume on
// local-lvm created and started through the API (running by libvirt's account; its own boot is too
// slow under nested TCG to wait for), and a container from the shipped Debian trixie template
// created and started through the API, RUNNING by LXC's account, a command run inside it; a second
// container with its root file system on an LVM-thin volume (vm-192-disk-0 in openve/data) and a
// DHCP NIC on vmbr0: started (the volume mounted by LXC's pre-start hook), a command inside, an
// address from QEMU's DHCP, stopped (unmounted), deleted and its volume gone.
import type { CommandResult } from '../../../lib/exec/types.ts';
import type { CheckResult } from './checks.ts';

export type SshIn = (cmd: string, timeoutMs?: number, input?: string) => Promise<CommandResult>;

export const TEMPLATE = 'debian-13-standard_amd64.tar.zst';
const CT = 190;
const VM = 191;
const THIN = 192;
const LXC_PATH = '/var/lib/openve/manager/lxc';

/**
 * Whether the manager checks run: by default (CI included); `OPENVE_E2E_MANAGER=0` leaves them out
 * when only the installer is of interest.
 */
export function managerChecksWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.OPENVE_E2E_MANAGER !== '0';
}

/**
 * The container's eth0 address came from QEMU's user-mode DHCP (its pool starts at 10.0.2.15; at
 * 10.0.2.100 where the harness moved it beside a static node) and is not the node's own address.
 */
export function ownLease(out: string): boolean {
  const ct = /^\d+: eth0\s+inet 10\.0\.2\.(\d+)\/24/m.exec(out)?.[1];
  const node = /^node: 10\.0\.2\.(\d+)\/24$/m.exec(out)?.[1];
  return ct !== undefined && Number(ct) >= 15 && Number(ct) <= 254 && ct !== node;
}

export async function managerChecks(ssh: SshIn, password: string): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const check = async (
    name: string,
    cmd: string,
    ok: (stdout: string, code: number) => boolean,
    timeoutMs = 60_000,
    input?: string,
  ) => {
    const r = await ssh(cmd, timeoutMs, input);
    const detail = `${r.stdout}${r.stderr}`.trim();
    out.push({ name, ok: ok(r.stdout.trim(), r.exitCode), detail });
  };
  const url = 'https://127.0.0.1:8006/api/v1';
  // the unit starts after libvirtd; its first libvirt connection probes QEMU (slow under TCG)
  await check(
    'manager answers 401 without a token (HTTPS 8006)',
    `for i in $(seq 1 90); do c=$(curl -sk -o /dev/null -w '%{http_code}' ${url}/nodes); [ "$c" = 401 ] && break; sleep 2; done; echo "$c"; systemctl is-active openve-manager`,
    (s) => s.split('\n')[0] === '401',
    240_000,
  );
  await check(
    "manager's certificate is this node's own",
    'openssl x509 -in /var/lib/openve/manager/tls/node.pem -noout -subject && stat -c %a /var/lib/openve/manager/tls/node.key',
    (s) => /^subject=.*CN ?= ?[a-z0-9-]+/m.test(s) && /^600$/m.test(s),
  );
  await check(
    'root logs in with the password (openve login)',
    'openve --insecure login --comment e2e >/dev/null && echo login-ok',
    (s) => s === 'login-ok',
    60_000,
    `${password}\n`,
  );
  await check(
    'tiny VM created and started through the API (libvirt: running; disk a thin volume when the node has the pool)',
    // a node installed without LVM (btrfs, xfs on a partition) has the directory storage only
    `if lvs openve/data >/dev/null 2>&1; then st=local-lvm; else st=local; fi; ` +
      `openve vm create --id ${VM} --name e2e-vm --memory 64 --disk 1@$st --net none >/dev/null && ` +
      `openve vm start ${VM} >/dev/null && virsh -c qemu:///system domstate vm-${VM} && echo "storage=$st" && ` +
      `{ [ "$st" = local ] || lvs --noheadings -o lv_name,pool_lv openve; }`,
    (s, code) =>
      code === 0 &&
      /^running$/m.test(s) &&
      (/^storage=local$/m.test(s) || /vm-191-disk-0\s+data/.test(s)),
    300_000,
  );
  await check(
    'container from the trixie template reaches RUNNING',
    `openve ct create --id ${CT} --hostname e2e-ct --template ${TEMPLATE} --memory 128 --net none >/dev/null && ` +
      `openve ct start ${CT} >/dev/null && lxc-info -P ${LXC_PATH} -n ct-${CT} -s && ` +
      `openve ct exec ${CT} -- cat /etc/debian_version`,
    (s, code) => code === 0 && /State:\s+RUNNING/.test(s) && /^13\b|trixie/m.test(s),
    300_000,
  );
  // on a node the thin volume is mounted where LXC's lxc-start AppArmor profile lets the hook mount
  // (manager/server/node.ts thinMountBase), not under the manager's LXC path
  const root = `/var/lib/lxc/ct-${THIN}/rootfs`;
  const lv = `openve/vm-${THIN}-disk-0`;
  // on a node without the thin pool (btrfs/xfs installs) these checks say so and pass
  await check(
    `container on an LVM-thin volume (${lv}, 2 GiB ext4): created, started, mounted by the hook, a command inside`,
    `if ! lvs openve/data >/dev/null 2>&1; then echo no-thin-pool; exit 0; fi; set -e; ` +
      `openve ct create --id ${THIN} --hostname e2e-thin --template ${TEMPLATE} --memory 128 --rootfs 2@local-lvm --net vmbr0 >/dev/null; ` +
      `lvs --noheadings -o lv_name,pool_lv ${lv}; ` +
      `openve ct start ${THIN} >/dev/null; lxc-info -P ${LXC_PATH} -n ct-${THIN} -s; ` +
      `findmnt -n -o SOURCE,FSTYPE ${root}; ` +
      `openve ct exec ${THIN} -- sh -c 'echo "debian $(cat /etc/debian_version)"; df -Pk / | tail -n1'; ` +
      `openve --json storage content local-lvm --content rootdir | tr -d ' \\n'`,
    (s, code) =>
      /^no-thin-pool$/m.test(s) ||
      (code === 0 &&
        new RegExp(`vm-${THIN}-disk-0\\s+data`).test(s) &&
        /State:\s+RUNNING/.test(s) &&
        new RegExp(`openve-vm--${THIN}--disk--0\\s+ext4|vm-${THIN}-disk-0\\s+ext4`).test(s) &&
        /^debian (13\b|trixie)/m.test(s) &&
        // df inside: the 2 GiB volume (ext4 takes its share), not the node's root
        /^\S+\s+(1[6-9]\d{5}|20\d{5})\s/m.test(s) &&
        // the volume in the storage API: the container's root file system, 2 GiB, some of it used
        new RegExp(
          `"name":"vm-${THIN}-disk-0","content":"rootdir","size":2147483648,"used":[1-9]\\d*`,
        ).test(s)),
    420_000,
  );
  // systemd-networkd in the trixie container asks QEMU's DHCP; it runs only under LXC's generated
  // AppArmor profile with nesting (the default for an unprivileged container: features.nesting):
  // under lxc-container-default-cgns systemd 257's credential mounts were denied and networkd failed.
  // The profile is read from the container's init; on failure the container's failed units and the
  // node's AppArmor denials are printed.
  await check(
    `container ${THIN}: runs under its generated AppArmor profile (nesting), its DHCP NIC on vmbr0 gets an address of its own from QEMU's DHCP (10.0.2.15 and up, not the node's)`,
    `if ! lvs openve/data >/dev/null 2>&1; then echo no-thin-pool; exit 0; fi; ` +
      `if ! lxc-info -P ${LXC_PATH} -n ct-${THIN} -s 2>/dev/null | grep -q RUNNING; then echo not-running; exit 1; fi; ` +
      `pid=$(lxc-info -P ${LXC_PATH} -n ct-${THIN} -p -H); echo "profile: $(cat /proc/$pid/attr/apparmor/current 2>/dev/null || cat /proc/$pid/attr/current)"; ` +
      `echo "node: $(ip -4 -o addr show dev vmbr0 | awk '{print $4}')"; ` +
      `for i in $(seq 1 90); do a=$(openve ct exec ${THIN} -- ip -4 -o addr show dev eth0 2>/dev/null); ` +
      `case "$a" in *inet*) break;; esac; sleep 2; done; echo "$a"; ` +
      `case "$a" in *inet*) ;; *) openve ct exec ${THIN} -- systemctl --failed --no-legend 2>&1 | head -n 10; ` +
      `openve ct exec ${THIN} -- networkctl status eth0 2>&1 | head -n 12; ` +
      `journalctl -k --no-pager 2>/dev/null | grep 'apparmor="DENIED"' | tail -n 8;; esac`,
    (s) =>
      /^no-thin-pool$/m.test(s) ||
      (new RegExp(`^profile: lxc-ct-${THIN}_`, 'm').test(s) && ownLease(s)),
    300_000,
  );
  await check(
    `container ${THIN} stopped (volume unmounted by the post-stop hook), deleted, ${lv} gone`,
    `if ! lvs openve/data >/dev/null 2>&1; then echo no-thin-pool; exit 0; fi; ` +
      // LXC reports STOPPED before its post-stop hook has run: give the hook 20 s
      `openve ct stop ${THIN} >/dev/null; for i in $(seq 1 40); do findmnt ${root} >/dev/null || break; sleep 0.5; done; ` +
      `if findmnt ${root} >/dev/null; then echo still-mounted; else echo unmounted; fi; ` +
      `openve ct delete ${THIN} --yes >/dev/null && echo deleted; ` +
      `if lvs ${lv} >/dev/null 2>&1; then echo lv-still-there; else echo lv-gone; fi; ` +
      `[ -e ${LXC_PATH}/ct-${THIN} ] && echo dir-left || echo dir-gone`,
    (s) =>
      /^no-thin-pool$/m.test(s) ||
      (/^unmounted$/m.test(s) &&
        /^deleted$/m.test(s) &&
        /^lv-gone$/m.test(s) &&
        /^dir-gone$/m.test(s)),
    300_000,
  );
  // the tiny VM goes too: its BIOS-only guest ignores ACPI, so left running it held the node's
  // power-off in libvirt-guests' 300 s shutdown wait (the harness gave up after 90 s each case)
  await check(
    `VM ${VM} stopped and deleted through the API, its disk gone`,
    `openve vm stop ${VM} >/dev/null && openve vm delete ${VM} --yes >/dev/null && echo deleted; ` +
      `virsh -c qemu:///system dominfo vm-${VM} >/dev/null 2>&1 && echo domain-left || echo domain-gone; ` +
      `if lvs openve/vm-${VM}-disk-0 >/dev/null 2>&1 || ls /var/lib/openve/images/${VM}/ 2>/dev/null | grep -q .; ` +
      `then echo disk-left; else echo disk-gone; fi`,
    (s, code) =>
      code === 0 && /^deleted$/m.test(s) && /^domain-gone$/m.test(s) && /^disk-gone$/m.test(s),
    180_000,
  );
  return out;
}
