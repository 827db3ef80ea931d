// `openve-install plan` without --json: the plan as an administrator reads it before wiping
// anything. Pure: plan in, text out.
import type { Plan, Step } from '../../contracts/plan/types.ts';
import { formatBytes } from '../hardware/describe.ts';
import { formatMiB } from './units.ts';

function table(rows: string[][], indent = '  '): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map(
    (r) =>
      indent +
      r
        .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!)))
        .join('  ')
        .trimEnd(),
  );
}

function stepDetail(step: Step): string {
  switch (step.kind) {
    case 'partition':
      return step.partitions
        .map((p) => `${p.path} ${p.role} ${p.sizeMiB === null ? 'rest' : formatMiB(p.sizeMiB)}`)
        .join(', ');
    case 'lvm':
      return `pv ${step.pvs.join(', ')}`;
    case 'mkfs':
      return `${step.fstype} on ${step.device}, uuid ${step.uuid}`;
    case 'mkfs-btrfs':
      return `data ${step.dataProfile}, metadata ${step.metadataProfile}, subvolumes ${step.subvolumes.join(' ')}, uuid ${step.uuid}`;
    case 'mount':
      return step.mounts
        .map(
          (m) =>
            `${m.device} -> ${m.mountpoint}${m.options.length ? ` (${m.options.join(',')})` : ''}`,
        )
        .join(', ');
    case 'write-files':
      return `${step.files.length} files`;
    case 'bootloader':
      return `BIOS: ${step.biosDisks.join(', ') || 'none'}; EFI: ${step.espDevices.join(', ')}`;
    case 'chroot':
      return step.commands.map((c) => c.join(' ')).join('; ');
    default:
      return '';
  }
}

export function formatPlan(plan: Plan, opts: { verbose?: boolean } = {}): string {
  const s = plan.summary;
  const out: string[] = [];
  out.push(`Install plan for ${s.fqdn ?? '(host name from DHCP at first boot)'}`);
  out.push('');
  out.push(`Disks that will be WIPED (${s.disks.length}):`);
  out.push(
    ...table(
      s.disks.map((d) => [
        d.path,
        formatBytes(d.sizeBytes),
        d.model || 'no model',
        d.serial ? `serial ${d.serial}` : 'no serial',
      ]),
    ),
  );
  out.push('');
  out.push(`Layout:    ${s.layout}`);
  out.push('Volumes:');
  out.push(
    ...table(
      [
        ['NAME', 'SIZE'],
        ...s.volumes.map((v) => [v.name, v.sizeMiB === 0 ? 'shared' : formatMiB(v.sizeMiB)]),
      ],
      '  ',
    ),
  );
  const net =
    s.network.source === 'from-dhcp'
      ? 'DHCP'
      : `static ${s.network.cidr}, gateway ${s.network.gateway}, dns ${s.network.dns}`;
  out.push(`Network:   ${s.nic.name} (${s.nic.mac}) bridged as vmbr0, ${net}`);
  out.push(
    `Time zone: ${s.timezone}    Keyboard: ${s.keyboard}    Cluster: ${s.cluster ?? 'none'}`,
  );
  if (plan.warnings.length) {
    out.push('');
    out.push('Warnings:');
    for (const w of plan.warnings) out.push(`  ! ${w}`);
  }
  out.push('');
  out.push('Steps:');
  const width = Math.max(...plan.steps.map((st) => st.id.length));
  plan.steps.forEach((st, i) => {
    const detail = stepDetail(st);
    out.push(
      `  ${String(i + 1).padStart(2)}. ${st.id.padEnd(width)}  ${st.title}${detail ? `  [${detail}]` : ''}`,
    );
    if (opts.verbose && st.kind === 'write-files') {
      for (const f of st.files) {
        out.push(
          `      --- ${f.path} (${f.symlink ? `symlink -> ${f.symlink}` : `mode ${f.mode}`})`,
        );
        if (!f.symlink)
          out.push(
            ...f.content
              .replace(/\n$/, '')
              .split('\n')
              .map((l) => `      ${l}`),
          );
      }
    }
  });
  return out.join('\n') + '\n';
}
