// What the screens need from the outside world, injected so that tests and --dry-run replace it.
import type { Answers } from '../../contracts/answers/types.ts';
import type { Plan } from '../../contracts/plan/types.ts';
import type { ProgressSink } from '../../contracts/progress.ts';

export interface Services {
  dryRun: boolean;
  /** where the full install log goes (shown on the error screen) */
  logPath: string;
  /** runs the plan; emits ProgressEvents and always ends with a `finished` event */
  install(plan: Plan, answers: Answers, sink: ProgressSink): Promise<void>;
  /** writes the answer file reproducing this install (password hashed); returns the path written */
  saveAnswers(answers: Answers, path: string): Promise<string>;
  now(): number;
}
