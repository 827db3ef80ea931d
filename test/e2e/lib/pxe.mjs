// The PXE guests of the fleet e2e test and bench (test/e2e/fleet-pxe.test.ts, bench/fleet-boot.mjs):
// one install network (namespace, bridge, taps), one QEMU argv for all guests and one check for a
// guest that cannot go on. Plain JS (types in pxe.d.mts) so that the bench, run by
// node 20 without a TypeScript loader, imports the same module as the tests.

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
/** the kernel console arguments serve hands out by default (and the bench's CD guest gets) */
export const CONSOLE_ARGS =
  'console=tty0 console=ttyS0,115200n8 systemd.mask=serial-getty@ttyS0.service';
/**
 * Kernel arguments for TCG guests on a loaded host: under load the guest kernel's IO-APIC timer
 * check fails ("Kernel panic - not syncing: IO-APIC + timer doesn't work!", bench/fleet-boot.mjs
 * at load 22, 2026-12-03); `no_timer_check` skips it. Give it to every guest of a comparison.
 */
export const TCG_KERNEL_ARGS = 'no_timer_check';

/**
 * The `ip` commands that make an install network of its own: namespace `ns` (loopback up), bridge
 * `bridge` with `address` (CIDR) and no STP or forwarding delay (a guest's first DHCP would
 * otherwise wait for the port to learn), one tap per guest enslaved to it (a QEMU on a busy tap
 * fails, FLEET.md). Run in order; `ip netns del ns` removes all of it.
 */
export function installNetworkCommands({ ns, bridge, address, taps }) {
  const cmds = [
    ['ip', 'netns', 'add', ns],
    ['ip', '-n', ns, 'link', 'set', 'lo', 'up'],
    ['ip', '-n', ns, 'link', 'add', bridge, 'type', 'bridge', 'stp_state', '0'],
    ['ip', '-n', ns, 'link', 'set', bridge, 'type', 'bridge', 'forward_delay', '0'],
    ['ip', '-n', ns, 'addr', 'add', address, 'dev', bridge],
    ['ip', '-n', ns, 'link', 'set', bridge, 'up'],
  ];
  for (const tap of taps)
    cmds.push(
      ['ip', '-n', ns, 'tuntap', 'add', 'dev', tap, 'mode', 'tap'],
      ['ip', '-n', ns, 'link', 'set', tap, 'master', bridge],
      ['ip', '-n', ns, 'link', 'set', tap, 'up'],
    );
  return cmds;
}

/**
 * The settings every fleet guest shares: TCG single-threaded (under multi-threaded TCG the guest
 * kernel Oopsed in text patching at load 17), 2 vCPUs, 3 GiB, no display, serial to a file.
 */
export function qemuCommon(serial, name) {
  return [
    ...(name ? ['-name', name] : []),
    ...['-accel', 'tcg,thread=single', '-smp', '2', '-m', '3072'],
    ...['-display', 'none', '-monitor', 'none', '-serial', `file:${serial}`],
  ];
}

/**
 * A guest that boots from the network first, inside namespace `ns` on tap `tap`: BIOS (SeaBIOS and
 * QEMU's iPXE NIC ROM, which chains the boot script at once) or UEFI (OVMF's own PXE with no option
 * ROM on the NIC: ipxe.efi by TFTP, then iPXE over HTTP; `vars` is a writable copy of OVMF_VARS).
 * `disk` (qcow2) is the second boot device: an installed node boots from it when serve sends iPXE on.
 */
export function pxeQemuArgv(g) {
  const firmware = [];
  let nic = `virtio-net-pci,netdev=n0,mac=${g.mac},bootindex=1`;
  if (g.firmware === 'uefi') {
    if (!g.vars) throw new Error(`${g.name ?? g.mac}: a UEFI guest needs a copy of OVMF_VARS`);
    firmware.push(
      ...['-machine', 'q35'],
      ...['-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`],
      ...['-drive', `if=pflash,format=raw,unit=1,file=${g.vars}`],
    );
    nic += ',romfile=';
  }
  return [
    ...['ip', 'netns', 'exec', g.ns, 'qemu-system-x86_64'],
    ...qemuCommon(g.serial, g.name),
    ...firmware,
    ...['-netdev', `tap,id=n0,ifname=${g.tap},script=no,downscript=no`, '-device', nic],
    ...(g.disk
      ? [
          ...['-drive', `file=${g.disk},if=none,id=d0,format=qcow2`],
          ...['-device', 'virtio-blk-pci,drive=d0,bootindex=2'],
        ]
      : []),
  ];
}

/**
 * What a guest's serial output says when it cannot go on (a kernel panic, systemd frozen, the
 * initramfs giving up on the live system), or null: callers fail at once, not at their time limit.
 */
export function frozenGuest(serialText) {
  const m =
    /Kernel panic[^\n]*|systemd\[1\]: Freezing execution[^\n]*|Unable to find a live file system on the network[^\n]*/.exec(
      serialText,
    );
  return m ? m[0].trim() : null;
}
