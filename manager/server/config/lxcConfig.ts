// Container config -> LXC config file. Pure; golden files in test/golden/manager/ct/.
// cgroup v2 keys on an installed node; v1 keys on a v1/v2 hybrid host (v2 limits are ignored there).
import type { CtConfig, NodeFacts } from '../../../contracts/manager/guest.ts';
import { ctNesting } from '../../../contracts/manager/guest.ts';
import { ctRootfsHooks, ctRootfsMountDir, ctRootfsVolume, IDMAP } from './volumes.ts';

export { IDMAP };

export const ctName = (id: number): string => `ct-${id}`;

const CPU_PERIOD_US = 100000;

const mountAuto = (cgroup: 'v1' | 'v2') =>
  // cgroup:mixed:force also works where the host's cgroups are a v1/v2 hybrid (MANAGER.md 5)
  cgroup === 'v2'
    ? 'lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed'
    : 'lxc.mount.auto = cgroup:mixed:force proc:mixed sys:ro';

/** Appended after lxc-create: templates (busybox) add their own lxc.mount.auto; an empty value resets the list. */
export function lxcOverrides(
  cfg: Pick<CtConfig, 'hostname'>,
  node: Pick<NodeFacts, 'cgroup'>,
): string {
  return (
    [
      '',
      '# openve: after the template',
      `lxc.uts.name = ${cfg.hostname}`,
      'lxc.mount.auto =',
      mountAuto(node.cgroup),
    ].join('\n') + '\n'
  );
}

export function lxcConfig(
  cfg: CtConfig,
  node: Pick<NodeFacts, 'cgroup' | 'storages' | 'lxcPath' | 'thinMountBase'>,
): string {
  const rootfs = ctRootfsVolume(cfg, node.storages);
  const st = node.storages.find((s) => s.id === rootfs.storage);
  // a thin volume: mounted on the node by the pre-start hook, LXC sees a directory (see ctRootfsHooks)
  const dir = rootfs.kind === 'block' ? ctRootfsMountDir(node, cfg.id) : rootfs.path;
  const out: string[] = [
    `# openve container ${cfg.id}: written by openve-manager, edits are replaced`,
    `lxc.uts.name = ${cfg.hostname}`,
    'lxc.arch = linux64',
    `lxc.rootfs.path = dir:${dir}`,
    ...(st ? ctRootfsHooks(rootfs, st, dir) : []),
  ];
  if (cfg.unprivileged)
    out.push(
      `lxc.idmap = u 0 ${IDMAP.hostStart} ${IDMAP.count}`,
      `lxc.idmap = g 0 ${IDMAP.hostStart} ${IDMAP.count}`,
    );
  // nesting (Proxmox's features: nesting=1): LXC generates the container's AppArmor profile with
  // `mount,` allowed; under the default lxc-container-default-cgns systemd 257 in a trixie container
  // cannot make its credential mounts (ramfs on /dev/shm) and systemd-networkd fails. Ignored
  // where the kernel has no AppArmor (LXC's nop security module).
  if (ctNesting(cfg))
    out.push('lxc.apparmor.profile = generated', 'lxc.apparmor.allow_nesting = 1');
  // cgroup:mixed:force also works where the host's cgroups are a v1/v2 hybrid (MANAGER.md 5)
  out.push(
    node.cgroup === 'v2'
      ? 'lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed'
      : 'lxc.mount.auto = cgroup:mixed:force proc:mixed sys:ro',
    'lxc.tty.max = 2',
    'lxc.pty.max = 64',
    'lxc.cap.drop = sys_module mac_admin mac_override sys_time',
  );
  const memBytes = cfg.memory * 1024 * 1024;
  const swapBytes = cfg.swap * 1024 * 1024;
  if (node.cgroup === 'v2') {
    out.push(`lxc.cgroup2.memory.max = ${memBytes}`, `lxc.cgroup2.memory.swap.max = ${swapBytes}`);
    if (cfg.cores) out.push(`lxc.cgroup2.cpu.max = ${cfg.cores * CPU_PERIOD_US} ${CPU_PERIOD_US}`);
  } else {
    out.push(`lxc.cgroup.memory.limit_in_bytes = ${memBytes}`);
    if (cfg.cores)
      out.push(
        `lxc.cgroup.cpu.cfs_period_us = ${CPU_PERIOD_US}`,
        `lxc.cgroup.cpu.cfs_quota_us = ${cfg.cores * CPU_PERIOD_US}`,
      );
  }
  if (cfg.nics.length === 0) out.push('lxc.net.0.type = empty');
  cfg.nics.forEach((nic, i) => {
    const k = `lxc.net.${i}`;
    out.push(
      `${k}.type = veth`,
      `${k}.link = ${nic.bridge}`,
      `${k}.flags = up`,
      `${k}.name = ${nic.name}`,
    );
    if (nic.mac) out.push(`${k}.hwaddr = ${nic.mac}`);
    if (nic.vlan) out.push(`${k}.veth.vlan.id = ${nic.vlan}`);
    // DHCP is the guest's own client; a static address is set by LXC before init runs
    if (nic.ip !== 'dhcp') out.push(`${k}.ipv4.address = ${nic.ip}`);
    if (nic.gateway) out.push(`${k}.ipv4.gateway = ${nic.gateway}`);
  });
  return out.join('\n') + '\n';
}
