// Which disks and NICs the screens offer, and the hardware-based defaults. The target rule is the
// planner's own (hardware/describe.ts: never the boot medium, loop/ram/md/dm, read-only, in use).
import { installTargets as targetsOf } from '../../hardware/describe.ts';
import type { DiskInfo, HardwareProfile, NicInfo } from '../../../contracts/hardware/types.ts';

export const installTargets = (hw: HardwareProfile): DiskInfo[] => targetsOf(hw.disks);

/** First fixed disk, else the first target at all (a USB disk can be a deliberate target). */
export function defaultDisk(hw: HardwareProfile): string | undefined {
  const targets = installTargets(hw);
  return (targets.find((d) => !d.removable && d.transport !== 'usb') ?? targets[0])?.name;
}

export function defaultNic(hw: HardwareProfile): NicInfo | undefined {
  return hw.nics.find((n) => n.link) ?? hw.nics[0];
}
