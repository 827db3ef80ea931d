// The boot loader's configuration, rendered in the plan (pure) instead of by `update-grub` at
// install time: grub-mkconfig forks a few hundred times and probes every device through LVM,
// which took 17-20 s of a 75-95 s install under QEMU TCG. The menu boots the /vmlinuz and
// /initrd.img links Debian keeps at the top of the root filesystem, so it does not depend on the
// kernel version in the payload. /etc/default/grub.d/openve.cfg carries the same settings for
// `update-grub`, which every kernel update runs and which then writes Debian's usual grub.cfg.
import type { FileSpec } from '../../contracts/plan/types.ts';
import type { BootSpec } from './storage.ts';
import { render } from './render.ts';

export const GRUB_CFG_PATH = '/boot/grub/grub.cfg';
export const GRUB_DEFAULTS_PATH = '/etc/default/grub.d/openve.cfg';
export const GRUB_DISTRIBUTOR = 'openve';
export const GRUB_TIMEOUT_S = 5;
/** arguments of GRUB's `serial`: the first port at the speed of console=ttyS0,115200n8 */
export const GRUB_SERIAL = '--unit=0 --speed=115200 --word=8 --parity=no --stop=1';

const GRUB_FS_MODULE: Record<BootSpec['fstype'], string> = {
  ext4: 'ext2',
  xfs: 'xfs',
  btrfs: 'btrfs',
};

/** Characters that would end the double-quoted GRUB_CMDLINE_LINUX or be expanded by the shell. */
const SHELL_UNSAFE = /["\\$`]/;

export function bootFiles(boot: BootSpec, cmdline: string): FileSpec[] {
  if (SHELL_UNSAFE.test(cmdline))
    throw new Error(
      `kernel command line ${JSON.stringify(cmdline)} contains a quote, backslash, $ or backtick`,
    );
  const common = {
    distributor: GRUB_DISTRIBUTOR,
    timeout: GRUB_TIMEOUT_S,
    serialCommand: GRUB_SERIAL,
    cmdline,
  };
  return [
    {
      path: GRUB_DEFAULTS_PATH,
      mode: '0644',
      content: render('grub-defaults', common),
    },
    {
      path: GRUB_CFG_PATH,
      mode: '0444',
      content: render('grub.cfg', {
        ...common,
        rootUuid: boot.rootUuid,
        // what GRUB loads to find the root filesystem by UUID (GPT, LVM, the filesystem)
        modules: ['part_gpt', ...(boot.lvm ? ['lvm'] : []), GRUB_FS_MODULE[boot.fstype]],
        // GRUB paths start at the filesystem's top level: a btrfs root lives in its subvolume
        bootPath: boot.subvolume ? `/${boot.subvolume}` : '',
        rootParam: boot.rootParam,
        extraArgs: boot.subvolume ? `rootflags=subvol=${boot.subvolume} ` : '',
      }),
    },
  ];
}
