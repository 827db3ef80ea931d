// plan/overlap.ts: what runs beside the extraction, and the invariant the executor relies on.
import { describe, expect, test } from 'vitest';
import { buildPlan } from '../../../installer/plan/buildPlan.ts';
import {
  concurrencyProblem,
  overlapAfterExtraction,
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
  test('LVM: only root before the extraction; ESP, boot loader, swap LV and mkswap beside it; the configuration beside the thin pool', () => {
    const plan = ok(buildPlan(answers(), fixture('single-sata')));
    expect(ids(plan)).toEqual([
      'wipe:sda',
      'partition:sda',
      'lvm:openve',
      'mkfs:root',
      'mount:target',
      'extract:payload',
      'mkfs:esp:sda || extract:payload',
      'bootloader:grub || extract:payload',
      'lvcreate:openve/swap || extract:payload',
      'mkfs:swap || extract:payload',
      'bind:target',
      'files:system',
      'lvcreate:openve/data',
      'password:root || lvcreate:openve/data',
      'first-boot:hook || lvcreate:openve/data',
      'machine-id:reset || lvcreate:openve/data',
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
  test('btrfs: the ESPs and the boot loader run beside; the file system itself stays before the mount', () => {
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
      'bootloader:grub || extract:payload',
    ]);
    // no thin pool: the configuration runs after the files, one step after another
    expect(ids(plan).slice(ids(plan).indexOf('bind:target'))).toEqual([
      'bind:target',
      'files:system',
      'password:root',
      'first-boot:hook',
      'machine-id:reset',
      'finalize',
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
  test('after the extraction only the thin pool, with the configuration beside it; files (grub.cfg) and a chroot command stay before it', () => {
    const plan = ok(
      buildPlan(
        answers({
          global: { rootSshKeys: [SSH_KEY] },
          cluster: { mode: 'create', name: 'lab' },
        }),
        fixture('single-sata'),
      ),
    );
    const at = ids(plan).indexOf('bind:target');
    expect(ids(plan).slice(at)).toEqual([
      'bind:target',
      'files:system',
      'units:enable',
      'lvcreate:openve/data',
      'password:root || lvcreate:openve/data',
      'ssh-keys:root || lvcreate:openve/data',
      'first-boot:hook || lvcreate:openve/data',
      'machine-id:reset || lvcreate:openve/data',
      'finalize',
    ]);
  });
  test('the boot loader is never after the extraction, and never beside another boot loader', () => {
    for (const name of fixtureNames()) {
      const r = buildPlan(answers(), fixture(name));
      if (!r.ok) continue;
      const steps = r.value.steps;
      const boots = steps.filter((s) => s.kind === 'bootloader');
      expect(boots, name).toHaveLength(1);
      expect(boots[0]!.concurrentWith, name).toBe('extract:payload');
      // after the ESPs it needs, in the same lane
      const boot = steps.findIndex((s) => s.kind === 'bootloader');
      const lastEsp = steps.reduce(
        (n, s, i) => (s.kind === 'mkfs' && s.fstype === 'vfat' ? i : n),
        -1,
      );
      expect(boot, name).toBeGreaterThan(lastEsp);
      expect(steps[lastEsp]!.concurrentWith, name).toBe('extract:payload');
    }
  });
  test('a plan without an extract step keeps the configuration and the thin pool beside the boot loader', () => {
    const steps = ok(buildPlan(answers(), fixture('single-sata')))
      .steps.filter((s) => s.kind !== 'extract')
      .map(({ concurrentWith: _c, ...s }) => s);
    // the boot loader where buildPlan puts it: after the configuration, before finalize
    const boot = steps.find((s) => s.kind === 'bootloader')!;
    const order = steps.filter((s) => s !== boot);
    order.splice(order.length - 1, 0, boot);
    const out = overlapAfterExtraction(order).map(
      (s) => `${s.id}${s.concurrentWith ? ` || ${s.concurrentWith}` : ''}`,
    );
    expect(out.slice(out.indexOf('bind:target'))).toEqual([
      'bind:target',
      'files:system',
      'bootloader:grub',
      'lvcreate:openve/data || bootloader:grub',
      'password:root || bootloader:grub',
      'first-boot:hook || bootloader:grub',
      'machine-id:reset || bootloader:grub',
      'finalize',
    ]);
  });
  test('overlapAfterExtraction leaves a plan without a boot loader or bind mounts as it is', () => {
    const steps = ok(buildPlan(answers(), fixture('single-sata'))).steps.map(
      ({ concurrentWith: _c, ...s }) => s,
    );
    const noBoot = steps.filter((s) => s.kind !== 'bootloader');
    expect(overlapAfterExtraction(noBoot)).toEqual(noBoot);
    const noBind = steps.filter((s) => s.kind !== 'bind-mounts');
    expect(overlapAfterExtraction(noBind)).toEqual(noBind);
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
