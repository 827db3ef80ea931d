// Mounting the target, binding the live system's /dev, /proc, ... into it, and undoing both.
import type { ApplyContext, Handler } from '../context.ts';
import { inTarget } from '../context.ts';
import { mountsUnder } from '../devices.ts';

export const mount: Handler<'mount'> = async (step, ctx) => {
  for (const m of step.mounts) {
    if (m.fstype === 'swap') continue; // swap is enabled at boot from fstab, never on the live system
    const dir = inTarget(ctx, m.mountpoint);
    await ctx.runner.run(['mkdir', '-p', dir]);
    const opts = m.options.length > 0 ? ['-o', m.options.join(',')] : [];
    await ctx.runner.run(['mount', '-t', m.fstype, ...opts, m.device, dir]);
    ctx.state.mounts.push(dir);
  }
};

export const bindMounts: Handler<'bind-mounts'> = async (step, ctx) => {
  if (step.paths.length > 0)
    await ctx.runner.run(['mkdir', '-p', ...step.paths.map((p) => inTarget(ctx, p))]);
  for (const p of step.paths) {
    const dir = inTarget(ctx, p);
    await ctx.runner.run(['mount', '--bind', p, dir]);
    ctx.state.mounts.push(dir);
  }
};

/** Unmount what this run mounted, newest first. Throws on the first failure (finalize must not hide it). */
export async function unmountAll(ctx: ApplyContext): Promise<void> {
  // the usual end of an install: the target and everything below it, in one process
  const t = ctx.target;
  if (
    ctx.state.mounts[0] === t &&
    ctx.state.mounts.every((m) => m === t || m.startsWith(`${t}/`))
  ) {
    await ctx.runner.run(['umount', '--recursive', t]);
    ctx.state.mounts.length = 0;
    return;
  }
  while (ctx.state.mounts.length > 0) {
    const dir = ctx.state.mounts[ctx.state.mounts.length - 1] as string;
    await ctx.runner.run(['umount', dir]);
    ctx.state.mounts.pop();
  }
}

/**
 * Unmount anything left at or below the target (a previous failed run, a user's manual mount),
 * deepest first, falling back to a lazy unmount so that a busy bind mount cannot block a retry.
 */
export async function releaseTarget(ctx: ApplyContext): Promise<void> {
  const r = await ctx.runner.run(['findmnt', '-rn', '-o', 'TARGET'], { reject: false });
  for (const dir of mountsUnder(r.stdout, ctx.target)) {
    const u = await ctx.runner.run(['umount', dir], { reject: false });
    if (u.exitCode !== 0) await ctx.runner.run(['umount', '-l', dir], { reject: false });
  }
}
