// Extension point: work that runs after a successful install, before the final `finished` event
// (e.g. the post-installation webhook, owned by provision/). A failing hook is a warning, not a
// failed install: the disks are already done. Hooks are passed to applyPlan (`afterInstall`), never
// registered in module state.
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
