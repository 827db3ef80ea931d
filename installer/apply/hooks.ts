// Extension point: work that runs after a successful install, before the final `finished` event
// (e.g. the post-installation webhook, owned by provision/). A failing hook is a warning, not a
// failed install: the disks are already done.
import type { Plan } from '../../contracts/plan/types.ts';
import type { ProgressSink } from '../../contracts/progress.ts';

export interface AfterInstallContext {
  plan: Plan;
  target: string;
  emit: ProgressSink;
  log: (line: string) => void;
  /** seconds the install took so far */
  seconds: number;
}

export type AfterInstallHook = (ctx: AfterInstallContext) => Promise<void>;

const registered: AfterInstallHook[] = [];

/** Register a hook for every later applyPlan/auto run in this process. */
export function registerAfterInstall(hook: AfterInstallHook): void {
  registered.push(hook);
}

export function afterInstallHooks(): readonly AfterInstallHook[] {
  return registered;
}
