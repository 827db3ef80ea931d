// The yardstick for install time (issue 10's budget: an install within 1.5x of extracting the
// payload alone, same machine): the plan's own storage steps (wipe, partitions, RAID, LVM, mkfs,
// mount: the same file system on the same disks), then the extraction alone (the engine's own
// handler, up to the data being on disk; applyPlan times every step), then unmount and deactivate - the disks are left as a
// reinstall finds them, and the install's wipe step starts from there. It wipes only what the
// confirmed plan wipes anyway, after that confirmation (`auto --measure-extraction`).
import type { Plan } from '../../contracts/plan/types.ts';

/** The plan's steps up to and including its extraction (none of those beside it), then finalize. */
export function yardstickPlan(plan: Plan): Plan {
  const at = plan.steps.findIndex((s) => s.kind === 'extract');
  if (at < 0) throw new Error('the plan has no extraction step to measure');
  const fin = plan.steps.find((s) => s.kind === 'finalize');
  if (!fin) throw new Error('the plan has no finalize step (nothing would unmount the target)');
  // steps after the extraction, and those beside it (they come after it), are left out
  return { ...plan, steps: [...plan.steps.slice(0, at + 1), fin] };
}
