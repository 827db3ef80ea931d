// GRUB for BIOS (i386-pc on every disk) and UEFI (our own entry without touching NVRAM, plus the
// removable fallback path /EFI/BOOT/BOOTX64.EFI that boards with lost NVRAM boot). Runs in the
// chroot with /dev, /proc, /sys bound; the first ESP is mounted at /boot/efi, the others synced.
import type { Handler } from '../context.ts';
import { chroot, inTarget, writeFile } from '../context.ts';

export function grubDefaults(cmdline: string): string {
  const escaped = cmdline.replace(/["\\$`]/g, (c) => `\\${c}`);
  return `# written by openve-install\nGRUB_CMDLINE_LINUX="${escaped}"\n`;
}

export const bootloader: Handler<'bootloader'> = async (step, ctx) => {
  // grub-install --efi-directory needs the first ESP at /boot/efi (mounted here unless a mount step did)
  const efiDir = inTarget(ctx, '/boot/efi');
  const firstEsp = step.espDevices[0];
  if (firstEsp && !ctx.state.mounts.includes(efiDir)) {
    await ctx.runner.run(['mkdir', '-p', efiDir]);
    await ctx.runner.run(['mount', '-t', 'vfat', firstEsp, efiDir]);
    ctx.state.mounts.push(efiDir);
  }
  await writeFile(ctx, inTarget(ctx, '/etc/default/grub.d/openve.cfg'), grubDefaults(step.cmdline), '0644');
  const total = step.biosDisks.length + (step.espDevices.length > 0 ? 2 : 0) + 1 + Math.max(0, step.espDevices.length - 1);
  let done = 0;
  const tick = () => ctx.progress(++done / total);
  for (const disk of step.biosDisks) {
    await chroot(ctx, ['grub-install', '--target=i386-pc', '--recheck', disk]);
    tick();
  }
  if (step.espDevices.length > 0) {
    const efi = ['grub-install', '--target=x86_64-efi', '--efi-directory=/boot/efi', '--bootloader-id=openve', '--no-nvram'];
    await chroot(ctx, efi);
    tick();
    await chroot(ctx, [...efi, '--removable']);
    tick();
  }
  await chroot(ctx, ['update-grub']);
  tick();
  // the other disks' ESPs get a copy, so any disk of a RAID boots on its own
  for (const [i, esp] of step.espDevices.slice(1).entries()) {
    const dir = `/run/openve-install/esp-${i + 2}`;
    await ctx.runner.run(['mkdir', '-p', dir]);
    await ctx.runner.run(['mount', '-t', 'vfat', esp, dir]);
    ctx.state.mounts.push(dir);
    await ctx.runner.run(['cp', '-rT', inTarget(ctx, '/boot/efi'), dir]);
    await ctx.runner.run(['umount', dir]);
    ctx.state.mounts.pop();
    await ctx.runner.run(['rmdir', dir], { reject: false });
    tick();
  }
};
