// Work that needs neither the extracted system nor the mounted target runs beside the extraction
// (issue 10: under TCG every process costs ~0.1 s, and the install took 1.66x its extraction):
// formatting the ESPs and swap, and creating the LVM thin pool (split off the lvm step). The
// configuration that GRUB does not read (root password, SSH keys, first-boot unit, machine-id)
// runs beside the boot loader: grub-install is one process on one CPU for ~7 s under TCG, and two
// grub-installs cannot run beside each other (both clean and back up /boot/grub and its locale/).
// Pure: steps in, steps out, same order every time; the executor runs a step with `concurrentWith`
// beside that step (apply/applyPlan.ts), one after another in a second lane.
import type { LogicalVolume, Step } from '../../contracts/plan/types.ts';
import { formatMiB } from './units.ts';

export const EXTRACT_STEP = 'extract:payload';

/** may run while the payload is extracted onto the mounted target */
const besideExtraction = (s: Step): boolean =>
  s.kind === 'mkfs' && (s.fstype === 'vfat' || s.fstype === 'swap');

export function overlapWithExtraction(steps: readonly Step[]): Step[] {
  const at = steps.findIndex((s) => s.id === EXTRACT_STEP);
  if (at === -1) return [...steps];
  const before: Step[] = [];
  const beside: Step[] = [];
  for (const s of steps.slice(0, at)) {
    if (s.kind === 'lvm' && s.volumes.some((v) => v.type === 'thin-pool')) {
      const pools: LogicalVolume[] = s.volumes.filter((v) => v.type === 'thin-pool');
      const rest = s.volumes.filter((v) => v.type !== 'thin-pool');
      before.push({
        ...s,
        title: `Creating volume group ${s.vg} (${rest.map((v) => `${v.name} ${formatMiB(v.sizeMiB)}`).join(', ')})`,
        volumes: rest,
      });
      beside.push({
        id: `lvcreate:${s.vg}`,
        title: `Creating the thin pool ${pools.map((v) => `${v.name} ${formatMiB(v.sizeMiB)}`).join(', ')}`,
        weight: 1,
        kind: 'lvcreate',
        vg: s.vg,
        volumes: pools,
        concurrentWith: EXTRACT_STEP,
      });
    } else if (besideExtraction(s)) {
      beside.push({ ...s, concurrentWith: EXTRACT_STEP });
    } else {
      before.push(s);
    }
  }
  return [...before, steps[at]!, ...beside, ...steps.slice(at + 1)];
}

/** Kinds that touch neither /boot, /etc/default/grub nor the disks: safe beside grub-install. */
const BESIDE_BOOTLOADER: ReadonlySet<Step['kind']> = new Set([
  'root-password',
  'ssh-keys',
  'first-boot',
  'machine-id',
]);

/**
 * Moves the configuration steps between the chroot bind mounts and the boot loader to run beside
 * the boot loader (in their order). Files (grub.cfg, /etc/default/grub.d) stay before it.
 */
export function overlapWithBootloader(steps: readonly Step[]): Step[] {
  const at = steps.findIndex((s) => s.kind === 'bootloader');
  const bind = steps.findIndex((s) => s.kind === 'bind-mounts');
  if (at === -1 || bind === -1 || bind > at) return [...steps];
  const lead = steps[at]!;
  const between = steps.slice(bind + 1, at);
  const moved = between.filter((s) => BESIDE_BOOTLOADER.has(s.kind) && !s.concurrentWith);
  const kept = between.filter((s) => !moved.includes(s));
  return [
    ...steps.slice(0, bind + 1),
    ...kept,
    lead,
    ...moved.map((s) => ({ ...s, concurrentWith: lead.id })),
    ...steps.slice(at + 1),
  ];
}

/**
 * The plan's invariant for the executor: a step with `concurrentWith` follows that step, or another
 * step beside it. Returns the problem, or null.
 */
export function concurrencyProblem(steps: readonly Step[]): string | null {
  let lead: string | null = null;
  for (const s of steps) {
    if (s.concurrentWith === undefined) {
      lead = s.id;
      continue;
    }
    if (s.concurrentWith !== lead)
      return `${s.id} runs beside ${s.concurrentWith}, which must come right before it (or before the steps beside it)`;
  }
  return null;
}
