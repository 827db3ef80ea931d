// The yardstick for install time (issue 10's budget: an install within 1.5x of extracting the
// payload alone, same machine): the plan's own storage steps (wipe, partitions, RAID, LVM, mkfs,
// mount: the same file system on the same disks), then the extraction alone (the engine's own
// handler, up to the data being on disk; applyPlan times every step), then unmount, deactivate and
// wipe those disks again with the plan's own wipe steps: the install that follows finds them as
// they were before the measurement (blank disks of a test case wipe in ~1 s; a VG, partitions
// and a file system left behind cost its wipe step ~2.5 s more under TCG, counted against the
// install). It wipes only what the confirmed plan wipes anyway, after that confirmation
// (`auto --measure-extraction`).
import type { Plan } from '../../contracts/plan/types.ts';

/** The plan's steps up to and including its extraction (none of those beside it), finalize, the wipes again. */
export function yardstickPlan(plan: Plan): Plan {
  const at = plan.steps.findIndex((s) => s.kind === 'extract');
  if (at < 0) throw new Error('the plan has no extraction step to measure');
  const fin = plan.steps.find((s) => s.kind === 'finalize');
  if (!fin) throw new Error('the plan has no finalize step (nothing would unmount the target)');
  // steps after the extraction, and those beside it (they come after it), are left out
  const wipeAgain = plan.steps
    .filter((s) => s.kind === 'wipe')
    .map((s) => ({ ...s, id: `${s.id}:after`, title: `${s.title} (after the measurement)` }));
  return { ...plan, steps: [...plan.steps.slice(0, at + 1), fin, ...wipeAgain] };
}
