// Fault injection (root): a command fails in the middle of each phase. The install must stop with
// an error naming the step, the command, its exit code and output; leave nothing mounted or
// active; and a plain re-run on the same disks must succeed.
import { describe, expect, it } from 'vitest';
import { isRoot } from './helpers/loops.ts';
import { answerToml, FIXTURE_PASSWORD } from './helpers/answers.ts';
import { installOnRig, installRig, rigLeftovers } from './helpers/install.ts';
import { realRunner } from '../../lib/exec/runner.ts';
import type { RecordingRunner } from '../../lib/exec/recording.ts';

interface Fault {
  phase: string;
  step: RegExp;
  command: string;
  inject: (r: RecordingRunner) => void;
  filesystem?: 'ext4' | 'btrfs';
}

const INJECTED = 'injected failure for the test';
const faults: Fault[] = [
  {
    phase: 'partition',
    step: /^partition:/,
    command: 'sgdisk',
    inject: (r) => r.failOn(['sgdisk', /^--new=/], { stderr: INJECTED }),
  },
  {
    phase: 'lvm (the root LV)',
    step: /^lvm:openve$/,
    command: 'lvcreate',
    inject: (r) => r.failOn(['lvcreate'], { nth: 1, exitCode: 5, stderr: INJECTED }),
  },
  {
    // plan/overlap.ts: the swap LV is created beside the extraction, in the second lane
    phase: 'lvcreate beside the extraction (swap LV)',
    step: /^lvcreate:openve\/swap$/,
    command: 'lvcreate',
    inject: (r) => r.failOn(['lvcreate'], { nth: 2, exitCode: 5, stderr: INJECTED }),
  },
  {
    phase: 'mkfs (swap after root)',
    step: /^mkfs:swap$/,
    command: 'mkswap',
    inject: (r) => r.failOn(['mkswap'], { stderr: INJECTED }),
  },
  {
    phase: 'btrfs subvolumes (top level mounted)',
    step: /^mkfs:root$/,
    command: 'btrfs subvolume create',
    filesystem: 'btrfs',
    inject: (r) => r.failOn(['btrfs', 'subvolume', 'create'], { nth: 2, stderr: INJECTED }),
  },
  {
    phase: 'extract (after the files are written)',
    step: /^extract:payload$/,
    command: 'unsquashfs',
    inject: (r) =>
      r.on({
        name: 'extract then fail',
        match: ['unsquashfs'],
        times: 1,
        respond: async (argv, options) => {
          await realRunner().run(argv, { ...options, onOutput: undefined });
          return { exitCode: 2, stderr: `${INJECTED}: write error` };
        },
      }),
  },
  {
    phase: 'configure (chpasswd, with bind mounts)',
    step: /^password:root$/,
    command: 'chpasswd',
    inject: (r) => r.failOn(['chroot', /./, 'chpasswd'], { stderr: INJECTED }),
  },
  {
    phase: 'bootloader (ESP mounted, beside the extraction)',
    step: /^bootloader:grub$/,
    command: 'grub-install',
    inject: (r) => r.failOn(['grub-install'], { stderr: INJECTED, nth: 2 }),
  },
];

describe.skipIf(!isRoot())('a failing command in each phase', () => {
  const rig = installRig(2);

  for (const fault of faults) {
    it(`${fault.phase}: stops, reports, cleans up; a re-run succeeds`, async () => {
      const fs = fault.filesystem ?? 'ext4';
      const disks =
        fs === 'btrfs' ? rig.loops.disks.map((d) => d.name) : [rig.loops.disks[0]?.name as string];
      const answer = answerToml({ filesystem: fs, disks, raid: 'raid1' });

      const failed = await installOnRig(rig, answer, rig.payload.squashfs, fault.inject);
      expect(failed.ok).toBe(false);
      expect(failed.failedStep).toMatch(fault.step);
      const error = failed.events.find((e) => e.type === 'error');
      expect(error).toBeDefined();
      if (error?.type !== 'error') return;
      expect(error.step).toMatch(fault.step);
      expect(error.text).toContain(fault.command);
      expect(error.text).toMatch(/exited with \d+/);
      expect(error.text).toContain(INJECTED);
      expect(failed.events[failed.events.length - 1]).toMatchObject({
        type: 'finished',
        ok: false,
      });
      expect(failed.stdout).not.toContain(FIXTURE_PASSWORD);
      expect(rigLeftovers(rig)).toEqual([]);

      const retry = await installOnRig(rig, answer, rig.payload.squashfs);
      expect(retry.error).toBeUndefined();
      expect(retry.ok).toBe(true);
      expect(rigLeftovers(rig)).toEqual([]);
    });
  }
});
