// plan/overlap.ts: what runs beside the extraction, and the invariant the executor relies on.
import { describe, expect, test } from 'vitest';
import { buildPlan } from '../../../installer/plan/buildPlan.ts';
import {
  concurrencyProblem,
  overlapWithBootloader,
  overlapWithExtraction,
} from '../../../installer/plan/overlap.ts';
import type { Plan } from '../../../contracts/plan/types.ts';
import { answers, fixture, fixtureNames } from './helpers.ts';

const ok = (r: ReturnType<typeof buildPlan>): Plan => {
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
};
const SSH_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAcmRNxwgXBSlTzkLEFpHS0qW5HRqXzGqdWMyRS/kvB7 admin@lab';
const ids = (p: Plan) =>
  p.steps.map((s) => `${s.id}${s.concurrentWith ? ` || ${s.concurrentWith}` : ''}`);

describe('overlapWithExtraction', () => {
  test('LVM: only root before the extraction; ESP, swap LV and mkswap beside it; the thin pool beside the boot loader', () => {
    const plan = ok(buildPlan(answers(), fixture('single-sata')));
    expect(ids(plan)).toEqual([
      'wipe:sda',
      'partition:sda',
      'lvm:openve',
      'mkfs:root',
      'mount:target',
      'extract:payload',
      'mkfs:esp:sda || extract:payload',
      'lvcreate:openve/swap || extract:payload',
      'mkfs:swap || extract:payload',
      'bind:target',
      'files:system',
      'bootloader:grub',
      'password:root || bootloader:grub',
      'first-boot:hook || bootloader:grub',
      'machine-id:reset || bootloader:grub',
      'lvcreate:openve/data || bootloader:grub',
      'finalize',
    ]);
    const volumesOf = (id: string) => {
      const s = plan.steps.find((x) => x.id === id);
      return s && (s.kind === 'lvm' || s.kind === 'lvcreate')
        ? s.volumes.map((v) => `${v.name}:${v.type}`)
        : null;
    };
    // the extraction waits only for the volume it is extracted onto
    expect(volumesOf('lvm:openve')).toEqual(['root:linear']);
    expect(plan.steps.find((s) => s.id === 'lvm:openve')?.title).toBe(
      'Creating volume group openve (root 96.0 GiB)',
    );
    expect(volumesOf('lvcreate:openve/swap')).toEqual(['swap:linear']);
    expect(volumesOf('lvcreate:openve/data')).toEqual(['data:thin-pool']);
    // the summary still lists every volume, in the layout's order
    expect(plan.summary.volumes.map((v) => v.name)).toEqual(['swap', 'root', 'data']);
  });
  test('every volume of the layout is created exactly once, mkswap after its LV, in one lane', () => {
    for (const name of fixtureNames()) {
      const r = buildPlan(answers(), fixture(name));
      if (!r.ok) continue;
      const created = r.value.steps.flatMap((s) =>
        s.kind === 'lvm' || s.kind === 'lvcreate' ? s.volumes.map((v) => v.name) : [],
      );
      expect([...created].sort(), name).toEqual(r.value.summary.volumes.map((v) => v.name).sort());
      const at = (id: string) => r.value.steps.findIndex((s) => s.id === id);
      if (at('mkfs:swap') !== -1) {
        expect(at('lvcreate:openve/swap'), name).toBeLessThan(at('mkfs:swap'));
        expect(r.value.steps[at('lvcreate:openve/swap')]!.concurrentWith).toBe(
          r.value.steps[at('mkfs:swap')]!.concurrentWith,
        );
      }
      // nothing heavy beside the extraction: no thin pool there
      for (const s of r.value.steps)
        if (s.concurrentWith === 'extract:payload' && s.kind === 'lvcreate')
          expect(
            s.volumes.some((v) => v.type === 'thin-pool'),
            `${name} ${s.id}`,
          ).toBe(false);
    }
  });
  test('an LVM layout without swap and thin pool creates root only, nothing beside for LVM', () => {
    const plan = ok(
      buildPlan(answers({ disk: { lvm: { swapsize: 0, maxvz: 0 } } }), fixture('single-sata')),
    );
    expect(ids(plan).filter((i) => i.startsWith('lvcreate') || i.startsWith('mkfs:swap'))).toEqual(
      [],
    );
  });
  test('btrfs: the ESPs run beside; the file system itself stays before the mount', () => {
    const plan = ok(
      buildPlan(
        answers({
          disk: {
            filesystem: 'btrfs',
            btrfs: { raid: 'raid1' },
            selection: { kind: 'list', disks: ['sda', 'sdb'] },
          },
        }),
        fixture('four-identical'),
      ),
    );
    expect(ids(plan).filter((i) => i.includes('|| extract'))).toEqual([
      'mkfs:esp:sda || extract:payload',
      'mkfs:esp:sdb || extract:payload',
    ]);
    expect(ids(plan).indexOf('mkfs:root')).toBeLessThan(ids(plan).indexOf('mount:target'));
  });
  test('a plan without an extract step is left as it is', () => {
    const steps = ok(buildPlan(answers(), fixture('single-sata'))).steps.filter(
      (s) => s.kind !== 'extract',
    );
    expect(overlapWithExtraction(steps.map(({ concurrentWith: _c, ...s }) => s))).toHaveLength(
      steps.length,
    );
  });
  test('beside the boot loader: configuration GRUB does not read; files (grub.cfg) stay before it', () => {
    const plan = ok(
      buildPlan(answers({ global: { rootSshKeys: [SSH_KEY] } }), fixture('single-sata')),
    );
    const at = ids(plan).indexOf('bootloader:grub');
    expect(ids(plan).slice(at - 2)).toEqual([
      'bind:target',
      'files:system',
      'bootloader:grub',
      'password:root || bootloader:grub',
      'ssh-keys:root || bootloader:grub',
      'first-boot:hook || bootloader:grub',
      'machine-id:reset || bootloader:grub',
      'lvcreate:openve/data || bootloader:grub',
      'finalize',
    ]);
  });
  test('overlapWithBootloader leaves a plan without a boot loader or bind mounts as it is', () => {
    const steps = ok(buildPlan(answers(), fixture('single-sata'))).steps.map(
      ({ concurrentWith: _c, ...s }) => s,
    );
    const noBoot = steps.filter((s) => s.kind !== 'bootloader');
    expect(overlapWithBootloader(noBoot)).toEqual(noBoot);
    const noBind = steps.filter((s) => s.kind !== 'bind-mounts');
    expect(overlapWithBootloader(noBind)).toEqual(noBind);
  });
  test('every fixture plan keeps the invariant', () => {
    for (const name of fixtureNames()) {
      const r = buildPlan(answers(), fixture(name));
      if (r.ok) expect(concurrencyProblem(r.value.steps), name).toBeNull();
    }
  });
  test('concurrencyProblem names a step that is not next to its lead', () => {
    const steps = ok(buildPlan(answers(), fixture('single-sata'))).steps;
    const moved = [
      ...steps.filter((s) => s.id !== 'mkfs:swap'),
      steps.find((s) => s.id === 'mkfs:swap')!,
    ];
    expect(concurrencyProblem(moved)).toBe(
      'mkfs:swap runs beside extract:payload, which must come right before it (or before the steps beside it)',
    );
  });
});
