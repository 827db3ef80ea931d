// GRUB for BIOS (i386-pc on every disk) and UEFI (our own entry without touching NVRAM, plus the
// removable fallback path /EFI/BOOT/BOOTX64.EFI that boards with lost NVRAM boot). Runs the live
// system's grub-install (the same trixie GRUB packages as the target's, iso/packages/live.list)
// with --boot-directory in the target, beside the extraction (plan/overlap.ts): it needs the disks,
// the ESPs and the mounted root filesystem, not the extracted system. The first ESP is mounted at
// the target's /boot/efi, the others synced. grub.cfg itself comes with the plan's files
// (plan/boot.ts, written after the extraction): no update-grub here.
import type { Handler } from '../context.ts';
import { inTarget } from '../context.ts';

export const EFI_BOOTLOADER_ID = 'openve';

export const bootloader: Handler<'bootloader'> = async (step, ctx) => {
  // grub-install --efi-directory needs the first ESP at /boot/efi (mounted here unless a mount step did)
  const efiDir = inTarget(ctx, '/boot/efi');
  const firstEsp = step.espDevices[0];
  if (firstEsp && !ctx.state.mounts.includes(efiDir)) {
    await ctx.runner.run(['mkdir', '-p', efiDir]);
    await ctx.runner.run(['mount', '-t', 'vfat', firstEsp, efiDir]);
    ctx.state.mounts.push(efiDir);
  }
  const total =
    step.biosDisks.length +
    (step.espDevices.length > 0 ? 2 : 0) +
    Math.max(0, step.espDevices.length - 1);
  let done = 0;
  const tick = () => ctx.progress(++done / Math.max(1, total));
  const bootDir = `--boot-directory=${inTarget(ctx, '/boot')}`;
  const env = { env: { LC_ALL: 'C' } };
  for (const disk of step.biosDisks) {
    await ctx.runner.run(['grub-install', '--target=i386-pc', bootDir, '--recheck', disk], env);
    tick();
  }
  if (step.espDevices.length > 0) {
    await ctx.runner.run(
      [
        'grub-install',
        '--target=x86_64-efi',
        bootDir,
        `--efi-directory=${efiDir}`,
        `--bootloader-id=${EFI_BOOTLOADER_ID}`,
        '--no-nvram',
      ],
      env,
    );
    tick();
    // The removable path gets the same self-contained image (what `grub-install --removable`
    // writes there, and Debian's force_efi_extra_removable copies): one copy instead of a second
    // grub-install run.
    const boot = inTarget(ctx, '/boot/efi/EFI/BOOT');
    await ctx.runner.run(['mkdir', '-p', boot]);
    await ctx.runner.run([
      'cp',
      inTarget(ctx, `/boot/efi/EFI/${EFI_BOOTLOADER_ID}/grubx64.efi`),
      `${boot}/BOOTX64.EFI`,
    ]);
    tick();
  }
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
