// Disks: wipe, partition, LVM, filesystems. Each handler takes its step and the context and
// runs argv lists through ctx.runner; no handler knows whether the runner is real.
import type { LogicalVolume } from '../../../contracts/plan/types.ts';
import type { ApplyContext, Handler } from '../context.ts';
import { descendantsDeepestFirst, lsblkTree, waitForBlockDevices } from '../devices.ts';
import { releaseTarget } from './mount.ts';

/**
 * Remove everything a previous install (or a failed run of this one) left on the disk: mounts,
 * swap, active volume groups, then every signature and the partition table.
 */
export const wipe: Handler<'wipe'> = async (step, ctx) => {
  await releaseTarget(ctx);
  const tree = await lsblkTree(ctx, step.device);
  const below = descendantsDeepestFirst(tree);
  for (const node of below) {
    for (const mp of node.mountpoints) {
      if (mp === '[SWAP]') await ctx.runner.run(['swapoff', node.name]);
      else await ctx.runner.run(['umount', mp]);
    }
  }
  const partitions = below.filter((n) => n.type === 'part').map((n) => n.name);
  for (const vg of await volumeGroupsOn(ctx, [step.device, ...partitions])) {
    ctx.emit({
      type: 'message',
      step: step.id,
      text: `Deactivating volume group ${vg} found on ${step.device}`,
    });
    await swapoffVolumeGroup(ctx, vg);
    await ctx.runner.run(['vgchange', '-an', vg]);
  }
  for (const part of [...partitions].reverse()) await ctx.runner.run(['wipefs', '-a', part]);
  // every signature libblkid knows on the whole disk: both GPT headers, the protective MBR, a
  // filesystem or PV written straight onto the disk (no separate `sgdisk --zap-all`: same result,
  // one process less)
  await ctx.runner.run(['wipefs', '-a', step.device]);
  // drop the kernel's view of the old partitions (loop devices keep them otherwise)
  if (partitions.length > 0) await ctx.runner.run(['partx', '-d', step.device], { reject: false });
};

export async function volumeGroupsOn(ctx: ApplyContext, devices: string[]): Promise<string[]> {
  const r = await ctx.runner.run(['pvs', '--noheadings', '-o', 'vg_name', ...devices], {
    reject: false,
  });
  return [
    ...new Set(
      r.stdout
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ];
}

export async function swapoffVolumeGroup(ctx: ApplyContext, vg: string): Promise<void> {
  const lvs = await ctx.runner.run(['lvs', '--noheadings', '-o', 'lv_path', vg], { reject: false });
  const active = await ctx.runner.run(['swapon', '--show=NAME', '--noheadings', '--raw'], {
    reject: false,
  });
  const swaps = new Set(
    active.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  );
  if (swaps.size === 0) return;
  for (const lv of lvs.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    // swapon shows /dev/dm-N; swapoff accepts the LV path and fails harmlessly when it is no swap
    await ctx.runner.run(['swapoff', lv], { reject: false });
  }
}

/** sgdisk argv for the plan's partitions: `-n N:0:END -t N:CODE -c N:NAME` each. */
export function sgdiskArgs(
  step: Extract<Parameters<Handler<'partition'>>[0], { kind: 'partition' }>,
): string[] {
  const args = ['sgdisk'];
  for (const p of step.partitions) {
    const end =
      p.sizeMiB !== null
        ? `+${p.sizeMiB}M`
        : step.sizeLimitMiB !== null
          ? `${step.sizeLimitMiB}M`
          : '0';
    args.push(
      `--new=${p.number}:0:${end}`,
      `--typecode=${p.number}:${p.typeCode}`,
      `--change-name=${p.number}:${p.name}`,
    );
  }
  args.push(step.device);
  return args;
}

export const partition: Handler<'partition'> = async (step, ctx) => {
  await ctx.runner.run(sgdiskArgs(step));
  await makeKernelSeePartitions(
    ctx,
    step.device,
    step.partitions.map((p) => p.path),
  );
};

/**
 * sgdisk has the kernel re-read the table of a real disk itself; partprobe is the next try, and
 * loop devices need `partx -a` because the kernel does not scan them (docs/design.md §5). Then poll for
 * the nodes: there may be no udev to wait for.
 */
export async function makeKernelSeePartitions(
  ctx: ApplyContext,
  device: string,
  paths: string[],
): Promise<void> {
  let missing = await waitForBlockDevices(ctx, paths, 0);
  if (missing.length > 0) {
    await ctx.runner.run(['partprobe', device], { reject: false });
    missing = await waitForBlockDevices(ctx, missing, 0);
  }
  if (missing.length > 0) {
    await ctx.runner.run(['partx', '-u', device], { reject: false });
    await ctx.runner.run(['partx', '-a', device], { reject: false });
    missing = await waitForBlockDevices(ctx, paths);
  }
  if (missing.length > 0) {
    throw new Error(
      `the kernel does not show ${missing.join(', ')} after partitioning ${device} (waited ${ctx.deviceTimeoutMs} ms)`,
    );
  }
}

export const lvm: Handler<'lvm'> = async (step, ctx) => {
  for (const pv of step.pvs) await ctx.runner.run(['pvcreate', '--yes', '-ff', pv]);
  await renameForeignVolumeGroup(ctx, step.vg, step.id);
  await ctx.runner.run(['vgcreate', '--yes', step.vg, ...step.pvs]);
  ctx.state.vgs.add(step.vg);
  await createVolumes(ctx, step.vg, step.volumes);
};

/** Volumes in a VG an earlier lvm step made (the thin pool, created beside the extraction). */
export const lvcreate: Handler<'lvcreate'> = async (step, ctx) => {
  await createVolumes(ctx, step.vg, step.volumes);
};

async function createVolumes(
  ctx: ApplyContext,
  vg: string,
  volumes: readonly LogicalVolume[],
): Promise<void> {
  for (const lv of volumes) {
    if (lv.type === 'thin-pool') {
      // thin-pool zeroing stays on (lvm default): guests must never read a previous owner's data.
      // No dmeventd monitoring in the live system (starting it and registering the pool cost
      // under TCG, and finalize deactivates the pool anyway): the installed node's
      // lvm2-monitor.service monitors it from the first boot on.
      const meta = lv.metadataMiB ? ['--poolmetadatasize', `${lv.metadataMiB}m`] : [];
      await ctx.runner.run([
        'lvcreate',
        '--yes',
        '--monitor',
        'n',
        '--type',
        'thin-pool',
        '-L',
        `${lv.sizeMiB}m`,
        ...meta,
        '-n',
        lv.name,
        vg,
      ]);
    } else {
      await ctx.runner.run([
        'lvcreate',
        '--yes',
        '--wipesignatures',
        'y',
        '-L',
        `${lv.sizeMiB}m`,
        '-n',
        lv.name,
        vg,
      ]);
    }
  }
}

/**
 * Another disk may carry an old install with a VG of the same name (a second disk of a reinstalled
 * node): rename it out of the way, as Proxmox does, rather than refusing or touching its data.
 */
async function renameForeignVolumeGroup(
  ctx: ApplyContext,
  vg: string,
  stepId: string,
): Promise<void> {
  const r = await ctx.runner.run(['vgs', '--noheadings', '-o', 'vg_uuid', vg], { reject: false });
  const uuid = r.exitCode === 0 ? r.stdout.trim() : '';
  if (!uuid) return;
  const renamed = `${vg}-old-${uuid.replace(/[^A-Za-z0-9]/g, '').slice(0, 8)}`;
  ctx.emit({
    type: 'warning',
    step: stepId,
    text: `A volume group named ${vg} exists on another disk: renaming it to ${renamed}`,
  });
  await swapoffVolumeGroup(ctx, vg);
  await ctx.runner.run(['vgchange', '-an', vg]);
  await ctx.runner.run(['vgrename', uuid, renamed]);
}

export function mkfsArgs(step: {
  fstype: 'ext4' | 'xfs' | 'vfat' | 'swap';
  device: string;
  label: string;
  uuid: string;
}): string[] {
  switch (step.fstype) {
    case 'ext4':
      return ['mkfs.ext4', '-F', '-q', '-U', step.uuid, '-L', step.label, step.device];
    case 'xfs':
      return ['mkfs.xfs', '-f', '-q', '-m', `uuid=${step.uuid}`, '-L', step.label, step.device];
    case 'vfat':
      // vfat's "UUID" is a 32-bit volume id, written XXXX-XXXX; mkfs.vfat wants the hex digits
      return [
        'mkfs.vfat',
        '-F',
        '32',
        '-i',
        step.uuid.replace(/-/g, ''),
        '-n',
        step.label.toUpperCase(),
        step.device,
      ];
    case 'swap':
      return ['mkswap', '-f', '-U', step.uuid, '-L', step.label, step.device];
  }
}

export const mkfs: Handler<'mkfs'> = async (step, ctx) => {
  await ctx.runner.run(mkfsArgs(step));
};

export const mkfsBtrfs: Handler<'mkfs-btrfs'> = async (step, ctx) => {
  await ctx.runner.run([
    'mkfs.btrfs',
    '-f',
    '-U',
    step.uuid,
    '-L',
    step.label,
    '-d',
    step.dataProfile,
    '-m',
    step.metadataProfile,
    ...step.devices,
  ]);
  // multi-device btrfs mounts only once the kernel knows every member (no udev to tell it)
  await ctx.runner.run(['btrfs', 'device', 'scan', ...step.devices], { reject: false });
  if (step.subvolumes.length === 0) return;
  const top = `/run/openve-install/btrfs-${step.uuid}`;
  const first = step.devices[0];
  if (!first) throw new Error(`${step.id}: no devices`);
  await ctx.runner.run(['mkdir', '-p', top]);
  await ctx.runner.run(['mount', '-t', 'btrfs', '-o', 'subvolid=5', first, top]);
  ctx.state.mounts.push(top);
  for (const sv of step.subvolumes)
    await ctx.runner.run(['btrfs', 'subvolume', 'create', `${top}/${sv}`]);
  await ctx.runner.run(['umount', top]);
  ctx.state.mounts.pop();
  await ctx.runner.run(['rmdir', top], { reject: false });
};
