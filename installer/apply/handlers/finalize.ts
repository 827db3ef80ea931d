// Leave the evidence on the target (install log, answer file without secrets), then unmount
// everything in reverse order, deactivate the volume groups and flush.
import type { Handler } from '../context.ts';
import { inTarget, writeEntries } from '../context.ts';
import { INSTALL_LOG_DIR } from '../../../contracts/node/types.ts';
import { unmountAll } from './mount.ts';

export const finalize: Handler<'finalize'> = async (_step, ctx) => {
  const dir = inTarget(ctx, INSTALL_LOG_DIR);
  await writeEntries(ctx, ctx.target, [
    { path: INSTALL_LOG_DIR, mode: '0700', type: 'dir' },
    ...(ctx.answerRedacted !== null
      ? [
          {
            path: `${INSTALL_LOG_DIR}/answer.toml`,
            mode: '0600',
            type: 'file' as const,
            content: ctx.answerRedacted,
          },
        ]
      : []),
  ]);
  ctx.log('finalize: copying the install log to the target and unmounting');
  if (ctx.installLogPath)
    await ctx.runner.run(['install', '-m', '0600', ctx.installLogPath, `${dir}/install.log`]);
  await ctx.runner.run(['sync']);
  await unmountAll(ctx);
  for (const vg of ctx.state.vgs) await ctx.runner.run(['vgchange', '-an', vg]);
  ctx.state.vgs.clear();
  await ctx.runner.run(['sync']);
};
