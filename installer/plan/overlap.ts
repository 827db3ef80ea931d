// Work that needs neither the extracted system nor the mounted target runs beside other work
// (issue 10: under TCG every process costs ~0.1 s, and the install took 1.66-2.0x its extraction).
//
// Before the extraction only what it needs: the volume group and the LVs mounted for it (root).
// Beside the extraction, in one lane: formatting the ESPs, the boot loader, the other linear LVs
// (swap) and mkswap. The boot loader is the live system's grub-install (BIOS core image into the
// BIOS boot partition, the EFI image onto the ESP, modules into the target's /boot/grub): it needs
// the disks, the ESPs and the mounted root LV, not the payload, which has nothing under /boot/grub or
// /boot/efi; grub.cfg is a file of the plan written after the extraction. It cost 5-20 s after the
// extraction under TCG (the last step before finalize).
// The thin pool (`lvcreate --type thin-pool`, ~3-9 s under TCG: dm-thin activation, thin_check,
// udev and dmeventd work) ran beside the extraction once and took CPU from tar and zstd on a 2-vCPU
// guest (the extraction inside the install took 82 s against 66 s alone, same VM): it runs after the
// extraction, with the configuration steps that need the extracted system (root password, SSH keys,
// first-boot unit, machine-id) beside it. When the boot loader still runs after the extraction (a
// plan without an extract step), those run beside the boot loader instead, as before; two
// grub-installs never run beside each other (both clean and back up /boot/grub and its locale/).
// Pure: steps in, steps out, same order every time; the executor runs a step with `concurrentWith`
// beside that step (apply/applyPlan.ts), one after another in a second lane.
import type { LogicalVolume, Step } from '../../contracts/plan/types.ts';
import { formatMiB } from './units.ts';

export const EXTRACT_STEP = 'extract:payload';

const describeVolumes = (vs: readonly LogicalVolume[]) =>
  vs.map((v) => `${v.name} ${formatMiB(v.sizeMiB)}`).join(', ');

/** Devices mounted (or formatted to be mounted) before the extraction: what it cannot start without. */
function neededForExtraction(before: readonly Step[]): Set<string> {
  const devices = new Set<string>();
  for (const s of before) if (s.kind === 'mount') for (const m of s.mounts) devices.add(m.device);
  return devices;
}

export function overlapWithExtraction(steps: readonly Step[]): Step[] {
  const at = steps.findIndex((s) => s.id === EXTRACT_STEP);
  if (at === -1) return [...steps];
  const needed = neededForExtraction(steps.slice(0, at));
  const before: Step[] = [];
  const beside: Step[] = [];
  /** thin pools: after the extraction, with the configuration beside them (overlapAfterExtraction) */
  const later: Step[] = [];
  const besideEsp: Step[] = [];
  for (const s of steps.slice(0, at)) {
    if (s.kind === 'lvm') {
      const now = s.volumes.filter((v) => needed.has(`/dev/${s.vg}/${v.name}`));
      const linear = s.volumes.filter((v) => !now.includes(v) && v.type !== 'thin-pool');
      const pools = s.volumes.filter((v) => v.type === 'thin-pool');
      if (now.length === 0) {
        before.push(s); // nothing mounted from this VG before the extraction: leave it whole
        continue;
      }
      before.push({
        ...s,
        title: `Creating volume group ${s.vg} (${describeVolumes(now)})`,
        volumes: now,
      });
      if (linear.length > 0)
        beside.push({
          id: `lvcreate:${s.vg}/${linear.map((v) => v.name).join('+')}`,
          title: `Creating the logical volume${linear.length > 1 ? 's' : ''} ${describeVolumes(linear)}`,
          weight: 1,
          kind: 'lvcreate',
          vg: s.vg,
          volumes: linear,
          concurrentWith: EXTRACT_STEP,
        });
      if (pools.length > 0)
        later.push({
          id: `lvcreate:${s.vg}/${pools.map((v) => v.name).join('+')}`,
          title: `Creating the thin pool ${describeVolumes(pools)}`,
          weight: 1,
          kind: 'lvcreate',
          vg: s.vg,
          volumes: pools,
        });
    } else if (s.kind === 'mkfs' && s.fstype === 'vfat') {
      besideEsp.push({ ...s, concurrentWith: EXTRACT_STEP });
    } else if (s.kind === 'mkfs' && s.fstype === 'swap' && !needed.has(s.device)) {
      beside.push({ ...s, concurrentWith: EXTRACT_STEP });
    } else {
      before.push(s);
    }
  }
  // the ESPs first, then the boot loader (it needs them), then swap (nothing needs it before first boot)
  const rest: Step[] = steps.slice(at + 1).filter((s) => s.kind !== 'bootloader');
  const boot: Step[] = steps
    .slice(at + 1)
    .filter((s) => s.kind === 'bootloader')
    .map((s) => ({ ...s, concurrentWith: EXTRACT_STEP }));
  const fin = rest.findIndex((s) => s.kind === 'finalize');
  rest.splice(fin !== -1 ? fin : rest.length, 0, ...later);
  return [...before, steps[at]!, ...besideEsp, ...boot, ...beside, ...rest];
}

/** Kinds that touch neither /boot, /etc/default/grub nor the root LV and ESPs: safe beside grub-install or the thin pool. */
const BESIDE_BOOTLOADER: ReadonlySet<Step['kind']> = new Set([
  'root-password',
  'ssh-keys',
  'first-boot',
  'machine-id',
]);

const isPool = (s: Step): boolean =>
  s.kind === 'lvcreate' && s.volumes.every((v) => v.type === 'thin-pool');

const besideBootloader = (s: Step): boolean =>
  !s.concurrentWith && (BESIDE_BOOTLOADER.has(s.kind) || isPool(s));

/**
 * After the bind mounts: the boot loader when it runs there (else the first thin pool) becomes a
 * lead, and the configuration steps between the bind mounts and it, and the thin pool, run beside
 * it (in their order). Files (grub.cfg, /etc/default/grub.d) and other steps stay before it.
 */
export function overlapAfterExtraction(steps: readonly Step[]): Step[] {
  const bind = steps.findIndex((s) => s.kind === 'bind-mounts');
  if (bind === -1) return [...steps];
  const lead = (kind: (s: Step) => boolean) =>
    steps.findIndex((s, i) => i > bind && !s.concurrentWith && kind(s));
  const boot = lead((s) => s.kind === 'bootloader');
  const at = boot !== -1 ? boot : lead(isPool);
  if (at === -1) return [...steps];
  const leader = steps[at]!;
  const between = steps.slice(bind + 1, at);
  const moved = between.filter(besideBootloader);
  const kept = between.filter((s) => !moved.includes(s));
  return [
    ...steps.slice(0, bind + 1),
    ...kept,
    leader,
    ...moved.map((s) => ({ ...s, concurrentWith: leader.id })),
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
