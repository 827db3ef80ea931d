// After a failure: undo everything mounted or activated, best effort, never throwing, so the live
// system stays usable and a re-run starts from a clean slate.
import type { ApplyContext } from './context.ts';
import { releaseTarget } from './handlers/mount.ts';
import { swapoffVolumeGroup } from './handlers/storage.ts';

export async function cleanup(
  ctx: ApplyContext,
  extraVgs: readonly string[] = [],
): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (argv: string[]) => {
    try {
      const r = await ctx.runner.run(argv, { reject: false });
      if (r.exitCode !== 0) problems.push(`${argv.join(' ')} exited with ${r.exitCode}`);
      return r.exitCode === 0;
    } catch (err) {
      problems.push(`${argv.join(' ')}: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  };
  // what we mounted, newest first (includes temporary mounts outside the target)
  for (const dir of [...ctx.state.mounts].reverse()) {
    if (!(await attempt(['umount', dir]))) await attempt(['umount', '-l', dir]);
  }
  ctx.state.mounts = [];
  try {
    await releaseTarget(ctx); // anything else below the target
  } catch (err) {
    problems.push(`releasing ${ctx.target}: ${err instanceof Error ? err.message : String(err)}`);
  }
  for (const vg of new Set([...ctx.state.vgs, ...extraVgs])) {
    try {
      await swapoffVolumeGroup(ctx, vg);
    } catch {
      /* best effort */
    }
    const exists = await ctx.runner
      .run(['vgs', '--noheadings', '-o', 'vg_name', vg], { reject: false })
      .catch(() => null);
    if (exists && exists.exitCode === 0 && exists.stdout.trim())
      await attempt(['vgchange', '-an', vg]);
  }
  ctx.state.vgs.clear();
  await attempt(['sync']);
  return problems;
}
