// Runs a plan's steps in order through their handlers, turning step weights into one progress
// ratio; on failure reports the step, the command, its exit code and output tail, then cleans up.
import type { Plan, Step } from '../../contracts/plan/types.ts';
import type { ProgressSink } from '../../contracts/progress.ts';
import type { CommandRunner } from '../../lib/exec/index.ts';
import { CommandError } from '../../lib/exec/index.ts';
import { newState, type ApplyContext, type ApplySecrets, type HandlerMap } from './context.ts';
import { handlers as defaultHandlers } from './handlers/index.ts';
import { cleanup } from './cleanup.ts';
import type { AfterInstallHook } from './hooks.ts';

export interface ApplyOptions {
  runner: CommandRunner;
  emit: ProgressSink;
  log?: (line: string) => void;
  /** default plan.target */
  target?: string;
  payload?: string | null;
  secrets?: ApplySecrets;
  firstBootHook?: string | null;
  installLogPath?: string | null;
  answerRedacted?: string | null;
  deviceTimeoutMs?: number;
  /** replace handlers (tests) */
  handlers?: Partial<HandlerMap>;
  /** default: none */
  afterInstall?: readonly AfterInstallHook[];
  /** clock for `seconds` (tests) */
  now?: () => number;
}

export interface ApplyOutcome {
  ok: boolean;
  seconds: number;
  failedStep?: string;
  error?: string;
  /** what cleanup could not undo (empty when it all went) */
  cleanupProblems?: string[];
}

export function describeFailure(step: Step, err: unknown): string {
  if (err instanceof CommandError) {
    const tail = err.tail(15);
    return `${step.id} failed: \`${err.result.argv.join(' ')}\` exited with ${err.result.exitCode}${tail ? `\n${tail}` : ''}`;
  }
  return `${step.id} failed: ${err instanceof Error ? err.message : String(err)}`;
}

export async function applyPlan(plan: Plan, opts: ApplyOptions): Promise<ApplyOutcome> {
  const now = opts.now ?? (() => performance.now());
  const started = now();
  const seconds = () => Math.round((now() - started) / 100) / 10;
  const log = opts.log ?? (() => {});
  const emit: ProgressSink = (e) => {
    if (e.type !== 'progress') log(`${e.type}${'step' in e && e.step ? ` [${e.step}]` : ''}: ${'text' in e ? e.text : JSON.stringify(e)}`);
    opts.emit(e);
  };
  const table: HandlerMap = { ...defaultHandlers, ...opts.handlers } as HandlerMap;
  const total = plan.steps.reduce((s, st) => s + Math.max(0, st.weight), 0) || 1;
  let done = 0;
  let lastRatio = -1;
  const progress = (step: Step, fraction: number, text?: string) => {
    const f = Math.min(1, Math.max(0, fraction));
    const ratio = Math.round(((done + Math.max(0, step.weight) * f) / total) * 1000) / 1000;
    if (ratio <= lastRatio && !text) return; // unsquashfs redraws often: only forward movement
    lastRatio = Math.max(lastRatio, ratio);
    opts.emit({ type: 'progress', ratio, step: step.id, text: text ?? step.title });
  };

  const ctx: ApplyContext = {
    runner: opts.runner,
    target: opts.target ?? plan.target,
    payload: opts.payload ?? null,
    secrets: opts.secrets ?? {},
    firstBootHook: opts.firstBootHook ?? null,
    installLogPath: opts.installLogPath ?? null,
    answerRedacted: opts.answerRedacted ?? null,
    emit,
    log,
    deviceTimeoutMs: opts.deviceTimeoutMs ?? 10_000,
    progress: () => {},
    state: newState(),
  };
  const planVgs = plan.steps.flatMap((s) => (s.kind === 'lvm' ? [s.vg] : []));
  for (const w of plan.warnings) emit({ type: 'warning', text: w });

  for (const step of plan.steps) {
    ctx.progress = (f, text) => progress(step, f, text);
    progress(step, 0, step.title);
    log(`== ${step.id}: ${step.title}`);
    const t0 = now();
    try {
      const handler = table[step.kind] as (s: Step, c: ApplyContext) => Promise<void>;
      await handler(step, ctx);
    } catch (err) {
      const text = describeFailure(step, err);
      emit({ type: 'error', step: step.id, text });
      emit({ type: 'message', text: 'Cleaning up: unmounting the target and deactivating volume groups' });
      const cleanupProblems = await cleanup(ctx, planVgs);
      for (const p of cleanupProblems) emit({ type: 'warning', text: `cleanup: ${p}` });
      const s = seconds();
      opts.emit({ type: 'finished', ok: false, seconds: s });
      return { ok: false, seconds: s, failedStep: step.id, error: text, cleanupProblems };
    }
    log(`== ${step.id} done in ${Math.round(now() - t0)} ms`);
    done += Math.max(0, step.weight);
  }

  for (const hook of opts.afterInstall ?? []) {
    try {
      await hook({ plan, target: ctx.target, emit, log, seconds: seconds() });
    } catch (err) {
      emit({ type: 'warning', text: `after install: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  opts.emit({ type: 'progress', ratio: 1, step: 'done', text: 'Installation complete' });
  const s = seconds();
  opts.emit({ type: 'finished', ok: true, seconds: s });
  return { ok: true, seconds: s };
}
