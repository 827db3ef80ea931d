// Hardware summary: the facts and the warnings derived from them (pure).
import type { HardwareProfile } from '../../../../contracts/hardware/types.ts';
import { installTargets } from '../../wizard/targets.ts';

export interface HardwareWarning {
  text: string;
}

export function hardwareWarnings(hw: HardwareProfile): string[] {
  const w: string[] = [];
  if (!hw.cpu.virtualization)
    w.push(
      'No VT-x/AMD-V: the CPU (or firmware setting) lacks hardware virtualization; VMs run without KVM, very slowly. Enable it in the firmware setup.',
    );
  else if (!hw.kvm.devicePresent)
    w.push(
      '/dev/kvm is missing although the CPU supports virtualization: check the firmware setting and the kvm module.',
    );
  if (installTargets(hw).length === 0)
    w.push(
      'No disk to install onto (boot medium, read-only and virtual devices are never targets).',
    );
  if (hw.nics.length === 0) w.push('No network interface found.');
  else if (!hw.nics.some((n) => n.link))
    w.push('No network interface has a link: check the cable.');
  if (hw.memoryBytes < 2 * 1024 ** 3)
    w.push('Less than 2 GiB of memory: leaves little for guests.');
  return w;
}

export function virtualizationText(hw: HardwareProfile): string {
  const v =
    hw.cpu.virtualization === 'vmx'
      ? 'Intel VT-x'
      : hw.cpu.virtualization === 'svm'
        ? 'AMD-V'
        : 'MISSING';
  return `${v}, /dev/kvm ${hw.kvm.devicePresent ? 'present' : 'missing'}`;
}
