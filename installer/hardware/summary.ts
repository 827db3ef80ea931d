// The human-readable page `openve-install detect` prints: CPU and virtualization (with a warning
// line when KVM cannot work), memory, firmware, a disk table with its not-a-target marks, NICs.
import { describeNic, formatBytes, isInstallTarget } from './describe.ts';
import type { HardwareProfile } from '../../contracts/hardware/types.ts';

export function formatProfile(p: HardwareProfile): string {
  const out: string[] = [];
  const virt =
    p.cpu.virtualization === 'vmx'
      ? 'Intel VT-x (vmx)'
      : p.cpu.virtualization === 'svm'
        ? 'AMD-V (svm)'
        : 'none';
  out.push(
    `CPU       ${p.cpu.model || 'unknown'} (${p.cpu.vendor || 'unknown vendor'}), ${p.cpu.cores} cores / ${p.cpu.threads} threads`,
  );
  out.push(
    `Virt.     ${virt}; /dev/kvm ${p.kvm.devicePresent ? 'present' : 'missing'}; IOMMU ${p.iommu.enabled ? `on (${p.iommu.groups} groups)` : 'off'}`,
  );
  if (!p.cpu.virtualization || !p.kvm.devicePresent) {
    const why = !p.cpu.virtualization
      ? 'the CPU has no VT-x/AMD-V (or it is disabled in the firmware)'
      : '/dev/kvm is missing';
    out.push(`WARNING   KVM virtual machines will not run: ${why}. LXC containers still work.`);
  }
  out.push(`Memory    ${formatBytes(p.memoryBytes)}`);
  out.push(`Firmware  ${p.firmware === 'uefi' ? 'UEFI' : 'BIOS (legacy)'}`);
  out.push('');
  out.push('Disks');
  const rows = p.disks.map((d) => {
    const reason = isInstallTarget(d);
    return [
      d.name,
      formatBytes(d.sizeBytes),
      d.model || '-',
      d.serial || '-',
      d.transport,
      d.kind === 'disk' ? (d.rotational ? 'hdd' : 'ssd') : d.kind,
      reason ? `not a target: ${reason}` : 'target',
    ];
  });
  out.push(...table([['NAME', 'SIZE', 'MODEL', 'SERIAL', 'BUS', 'TYPE', 'USE'], ...rows]));
  if (p.disks.length === 0) out.push('  (none found)');
  out.push('');
  out.push('Network');
  for (const n of p.nics) out.push(`  ${describeNic(n)}`);
  if (p.nics.length === 0) out.push('  (no physical network interfaces found)');
  if (p.notes.length > 0) {
    out.push('');
    out.push('Notes');
    for (const n of p.notes) out.push(`  - ${n}`);
  }
  return out.join('\n') + '\n';
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    `  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd(),
  );
}
