// The extraction yardstick (issue 10's budget: install within 1.5x of extraction alone): the
// plan's own storage steps, the extraction, finalize - nothing else (its time: applyPlan's stepSeconds).
import { describe, expect, it } from 'vitest';
import { applyPlan } from '../../../installer/apply/applyPlan.ts';
import { recordingRunner } from '../../../lib/exec/recording.ts';
import type { HandlerMap } from '../../../installer/apply/context.ts';
import { buildPlan } from '../../../installer/plan/buildPlan.ts';
import { yardstickPlan } from '../../../installer/apply/yardstick.ts';
import type { Plan } from '../../../contracts/plan/types.ts';
import { answers, fixture } from '../plan/helpers.ts';

const planFor = (disk: NonNullable<Parameters<typeof answers>[0]>['disk'], hw: string): Plan => {
  const p = buildPlan(answers({ disk }), fixture(hw));
  if (!p.ok) throw new Error(JSON.stringify(p.issues));
  return p.value;
};

describe('yardstickPlan', () => {
  it('keeps the storage steps before the extraction, the extraction, finalize, then wipes again (LVM, ext4)', () => {
    const full = planFor({}, 'single-sata');
    const y = yardstickPlan(full);
    expect(y.steps.map((s) => s.id)).toEqual([
      'wipe:sda',
      'partition:sda',
      'lvm:openve',
      'mkfs:root',
      'mount:target',
      'extract:payload',
      'finalize',
      'wipe:sda:after',
    ]);
    // nothing beside the extraction (GRUB, ESP, swap), nothing configured, the same target
    expect(y.steps.some((s) => s.concurrentWith)).toBe(false);
    expect(y.target).toBe(full.target);
    expect(y.summary).toEqual(full.summary);
  });

  it('keeps every disk of a btrfs RAID1 and the file system made across them', () => {
    const full = planFor(
      {
        filesystem: 'btrfs',
        selection: { kind: 'list', disks: ['sda', 'sdb'] },
        btrfs: { raid: 'raid1' },
      },
      'four-identical',
    );
    const kinds = yardstickPlan(full).steps.map((s) => s.kind);
    expect(kinds.filter((k) => k === 'wipe')).toHaveLength(4);
    expect(kinds).toContain('mkfs-btrfs');
    // both disks wiped again after the measurement: the install finds them blank, as before it
    expect(kinds.slice(-4)).toEqual(['extract', 'finalize', 'wipe', 'wipe']);
    expect(kinds).not.toContain('bootloader');
  });

  it('refuses a plan without an extraction', () => {
    const full = planFor({}, 'single-sata');
    expect(() =>
      yardstickPlan({ ...full, steps: full.steps.filter((s) => s.kind !== 'extract') }),
    ).toThrow(/no extraction step/);
  });
});

describe("the extraction's time", () => {
  it('is reported by applyPlan for each step, to a tenth of a second', async () => {
    let t = 1000;
    const y = yardstickPlan(planFor({}, 'single-sata'));
    const none = async () => {};
    const handlers = Object.fromEntries(y.steps.map((s) => [s.kind, none])) as Partial<HandlerMap>;
    handlers.extract = async () => {
      t += 36_540;
    };
    const out = await applyPlan(y, {
      runner: recordingRunner(),
      emit: () => {},
      handlers,
      now: () => t,
    });
    expect(out.ok).toBe(true);
    expect(out.stepSeconds?.['extract:payload']).toBe(36.5);
  });
});
