// QEMU command lines for the e2e boots (docs/design.md §5): TCG unless the CPU has VT-x/AMD-V, SeaBIOS or
// OVMF (4M pair, writable VARS copy), virtio disks, user-mode NIC with SSH forwarded to 127.0.0.1,
// serial console to a file. Pure: builds argv only.
export type Firmware = 'bios' | 'uefi';

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

export interface VmSpec {
  firmware: Firmware;
  /** writable copy of OVMF_VARS_4M.fd, kept between the install boot and the node boot */
  varsFile?: string;
  disks: string[]; // qcow2 images, attached as virtio (vda, vdb, ...)
  iso?: string; // attached as CD-ROM (or USB stick, isoAs) and booted first when given
  /** how the ISO is attached: CD-ROM (default) or the image dd'ed to a USB stick */
  isoAs?: 'cdrom' | 'usb';
  sshPort: number;
  serialLog: string;
  kvm: boolean;
  memoryMiB?: number;
  /** exit instead of rebooting (the end of the install boot) */
  noReboot?: boolean;
  /**
   * Serial console on QEMU's stdin/stdout (like -nographic, without the monitor mux and with
   * Ctrl-C passed to the guest), still copied to serialLog: for driving the guest's console from
   * a terminal (tmux). Default: serial to the file only.
   */
  serialStdio?: boolean;
  /**
   * The node's static address (10.0.2.15). QEMU's DHCP server hands out addresses from 10.0.2.15
   * by default, to the first client asking, whatever answers ARP there: a container on the node's
   * vmbr0 asking by DHCP would get the node's own address (and SSH's forward would reach either).
   * Given, the DHCP range starts at 10.0.2.100 and SSH is forwarded to this address explicitly.
   */
  staticGuest?: string;
  /** QEMU writes its pid here (-pidfile): the harness kills a guest whose kernel crashed (crash.ts) */
  pidFile?: string;
}

/** where QEMU's DHCP range starts when the node has a static address (VmSpec.staticGuest) */
export const DHCP_START_BESIDE_STATIC = '10.0.2.100';

export function hasHardwareVirt(cpuinfo: string): boolean {
  return /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo);
}

export function qemuArgv(spec: VmSpec): string[] {
  const argv = [
    'qemu-system-x86_64',
    ...(spec.kvm ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=multi']),
    '-smp',
    '2',
    '-m',
    String(spec.memoryMiB ?? 2048),
    '-display',
    'none',
    '-monitor',
    'none',
    ...(spec.serialStdio
      ? [
          '-chardev',
          `stdio,id=serial0,signal=off,logfile=${spec.serialLog}`,
          '-serial',
          'chardev:serial0',
        ]
      : ['-serial', `file:${spec.serialLog}`]),
    '-nic',
    spec.staticGuest
      ? `user,model=virtio-net-pci,dhcpstart=${DHCP_START_BESIDE_STATIC},hostfwd=tcp:127.0.0.1:${spec.sshPort}-${spec.staticGuest}:22`
      : `user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:${spec.sshPort}-:22`,
  ];
  if (spec.firmware === 'uefi') {
    if (!spec.varsFile) throw new Error('uefi boot needs a writable varsFile');
    argv.push(
      '-drive',
      `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`,
      '-drive',
      `if=pflash,format=raw,file=${spec.varsFile}`,
    );
  }
  spec.disks.forEach((d, i) => {
    argv.push('-drive', `file=${d},if=virtio,format=qcow2,cache=unsafe,index=${i}`);
  });
  if (spec.iso && spec.isoAs === 'usb') argv.push(...usbStickArgs(spec.iso), '-boot', 'order=c');
  else if (spec.iso)
    argv.push('-drive', `file=${spec.iso},media=cdrom,readonly=on`, '-boot', 'order=dc');
  else argv.push('-boot', 'order=c');
  if (spec.noReboot) argv.push('-no-reboot');
  if (spec.pidFile) argv.push('-pidfile', spec.pidFile);
  return argv;
}

/**
 * The ISO as a USB stick (what `dd if=openve.iso of=/dev/sdX` makes): raw image on an xHCI
 * usb-storage device, first in the firmware's boot order; the virtio disks follow.
 */
export function usbStickArgs(iso: string): string[] {
  return [
    '-device',
    'qemu-xhci,id=xhci',
    '-drive',
    `if=none,id=stick,format=raw,readonly=on,file=${iso}`,
    '-device',
    'usb-storage,bus=xhci.0,drive=stick,removable=on,bootindex=0',
  ];
}
