// GRUB for BIOS (i386-pc on every disk) and UEFI (our own entry without touching NVRAM, plus the
// removable fallback path /EFI/BOOT/BOOTX64.EFI that boards with lost NVRAM boot). Runs the live
// system's grub-install (the same trixie GRUB packages as the target's, iso/packages/live.list)
// with --boot-directory in the target, beside the extraction (plan/overlap.ts): it needs the disks,
// the ESPs and the mounted root filesystem, not the extracted system. The first ESP is mounted at
// the target's /boot/efi, the others synced. grub.cfg itself comes with the plan's files
// (plan/boot.ts, written after the extraction): no update-grub here.
import type { ApplyContext, Handler } from '../context.ts';
import { inTarget } from '../context.ts';
import { CommandError } from '../../../lib/exec/index.ts';

export const EFI_BOOTLOADER_ID = 'openve';

/**
 * grub-install on the installer system; a missing one (exit 127) says what the system lacks.
 * It fsyncs each of the ~600 files it copies (modules, locales, fonts): beside the extraction every
 * fsync forced a journal commit of the file system tar is filling (ext4, XFS). Under ctx.noFsync
 * (eatmydata) those are no-ops; the extraction's sync and finalize's unmount write it all back, and
 * the core image grub-bios-setup writes to the disk is flushed when it closes the device.
 */
async function grubInstall(ctx: ApplyContext, args: string[]): Promise<void> {
  try {
    await ctx.runner.run([...ctx.noFsync, 'grub-install', ...args], { env: { LC_ALL: 'C' } });
  } catch (err) {
    if (err instanceof CommandError && err.result.exitCode === 127)
      throw new Error(
        'grub-install is not on this installer system: the live ISO carries it (grub2-common, grub-pc-bin, grub-efi-amd64-bin in iso/packages/live.list); install those packages to run openve-install elsewhere',
        { cause: err },
      );
    throw err;
  }
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
  const total =
    step.biosDisks.length +
    (step.espDevices.length > 0 ? 2 : 0) +
    Math.max(0, step.espDevices.length - 1);
  let done = 0;
  const tick = () => ctx.progress(++done / Math.max(1, total));
  const bootDir = `--boot-directory=${inTarget(ctx, '/boot')}`;
  for (const disk of step.biosDisks) {
    await grubInstall(ctx, ['--target=i386-pc', bootDir, '--recheck', disk]);
    tick();
  }
  if (step.espDevices.length > 0) {
    await grubInstall(ctx, [
      '--target=x86_64-efi',
      bootDir,
      `--efi-directory=${efiDir}`,
      `--bootloader-id=${EFI_BOOTLOADER_ID}`,
      '--no-nvram',
    ]);
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
