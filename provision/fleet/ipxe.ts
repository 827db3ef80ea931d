// Pure: the iPXE scripts. boot.ipxe (the same for everyone) chains to the machine's own script,
// naming the machine by its facts; that one boots the live system from the ISO's files over HTTP
// (kernel, initrd, live layers; the installer streams the payload) with the
// answer and progress URLs (HTTPS, pinned by the fingerprint, per-machine token) on the command line.

export function chainScript(base: string): string {
  return [
    '#!ipxe',
    `chain ${base}/ipxe/machine?mac=\${netX/mac}&uuid=\${uuid}&serial=\${serial:uristring}&manufacturer=\${manufacturer:uristring}&product=\${product:uristring}&platform=\${platform} || shell`,
    '',
  ].join('\n');
}

export interface MachineBoot {
  /** http://ADDR[:PORT] of the boot files */
  base: string;
  /** https://ADDR:PORT of answers and progress */
  secureBase: string;
  fingerprint: string;
  token: string;
  /** the first live layer (/live/filesystem.squashfs): live-boot's fetch= (netboot.ts fetches them all) */
  layer: string;
  /** the ISO has /openve/payload.tar.zst: the installer streams it (openve.payload=) */
  payload: boolean;
  /** extra kernel parameters (console, ...) */
  extra?: string[];
}

/** The kernel command line handed to one machine (secrets: the token only, which is per machine). */
export function kernelCmdline(m: MachineBoot): string {
  return [
    'initrd=initrd.img', // required by UEFI: Debian's iPXE hands the initrd to the EFI stub only so
    'boot=live',
    `fetch=${m.base}/live/${m.layer}`,
    'BOOTIF=01-${netX/mac:hexhyp}',
    'openve.auto=1',
    ...(m.payload ? [`openve.payload=${m.base}/openve/payload.tar.zst`] : []),
    `openve.answer=${m.secureBase}/answer/${m.token}`,
    `openve.answer-fingerprint=${m.fingerprint.replace(/:/g, '')}`,
    `openve.progress=${m.secureBase}/progress/${m.token}`,
    'openve.confirm-wipe=1',
    // the defaults: those of the ISO's unattended GRUB entry (quiet: the console shows the
    // installer's progress, not the kernel's messages; `--kernel-args` replaces them)
    ...(m.extra ?? [
      'quiet',
      'console=tty0',
      'console=ttyS0,115200n8',
      'systemd.mask=serial-getty@ttyS0.service',
    ]),
  ].join(' ');
}

export function machineScript(m: MachineBoot): string {
  return [
    '#!ipxe',
    `kernel ${m.base}/live/vmlinuz ${kernelCmdline(m)}`,
    `initrd ${m.base}/live/initrd.img`,
    'boot',
    '',
  ].join('\n');
}

/** For machines the server will not boot (a bad request): say why on the screen, then exit to the next boot device. */
export function refusalScript(reason: string): string {
  return [
    '#!ipxe',
    `echo openve: ${reason.replace(/[^\w .:/-]/g, ' ')}`,
    'sleep 10',
    'exit',
    '',
  ].join('\n');
}
