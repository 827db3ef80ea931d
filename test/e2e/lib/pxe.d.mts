export declare const OVMF_CODE: string;
export declare const OVMF_VARS: string;
export declare const CONSOLE_ARGS: string;
export declare const TCG_KERNEL_ARGS: string;
export interface PxeGuest {
  /** QEMU -name */
  name?: string;
  ns: string;
  tap: string;
  mac: string;
  serial: string;
  firmware: 'bios' | 'uefi';
  /** UEFI: a writable copy of OVMF_VARS */
  vars?: string;
  /** qcow2, the second boot device */
  disk?: string;
}
export interface InstallNetwork {
  ns: string;
  bridge: string;
  /** the bridge's address, CIDR (the server's address on the install network) */
  address: string;
  taps: string[];
}
export declare function installNetworkCommands(n: InstallNetwork): string[][];
export declare function qemuCommon(serial: string, name?: string): string[];
export declare function pxeQemuArgv(g: PxeGuest): string[];
export declare function frozenGuest(serialText: string): string | null;
