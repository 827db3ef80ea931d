// Runs a plan's steps in order through their handlers, turning step weights into one progress
// ratio; on failure reports the step, the command, its exit code and output tail, then cleans up.
// A step with `concurrentWith` runs beside that step, in a second lane (plan/overlap.ts).
import type { Plan, Step } from '../../contracts/plan/types.ts';
import type { ProgressSink } from '../../contracts/progress.ts';
import type { CommandRunner } from '../../lib/exec/index.ts';
import { CommandError } from '../../lib/exec/index.ts';
import { newState, type ApplyContext, type ApplySecrets, type HandlerMap } from './context.ts';
import { handlers as defaultHandlers } from './handlers/index.ts';
import { cleanup } from './cleanup.ts';
import { concurrencyProblem } from '../plan/overlap.ts';
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
  /** argv prefix that turns fsync into a no-op (ApplyContext.noFsync); default none */
  noFsync?: readonly string[];
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
  /** seconds each finished step's handler took, by step id (the `== <id> done in` log lines) */
  stepSeconds?: Record<string, number>;
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
    if (e.type !== 'progress')
      log(
        `${e.type}${'step' in e && e.step ? ` [${e.step}]` : ''}: ${'text' in e ? e.text : JSON.stringify(e)}`,
      );
    opts.emit(e);
  };
  const table: HandlerMap = { ...defaultHandlers, ...opts.handlers } as HandlerMap;
  const total = plan.steps.reduce((s, st) => s + Math.max(0, st.weight), 0) || 1;
  let done = 0;
  const stepSeconds: Record<string, number> = {};
  /** fraction done of each step running beside the current lead step */
  const running = new Map<Step, number>();
  let lastRatio = -1;
  const ratioNow = () => {
    let r = done;
    for (const [st, f] of running) r += Math.max(0, st.weight) * f;
    return Math.round((r / total) * 1000) / 1000;
  };
  /** the lead's last words ("Copying the system: 57 of 851 MiB"), held while the steps beside it move
   * the bar, so the line on screen does not flicker back to the bare title */
  const leadText = new Map<Step, string>();
  /** only the lead step (not those beside it) names itself in progress events: one story on screen */
  const progress = (lead: Step, step: Step, fraction: number, text?: string) => {
    running.set(step, Math.min(1, Math.max(0, fraction)));
    const ratio = ratioNow();
    const own = step === lead ? text : undefined;
    if (own) leadText.set(lead, own);
    if (ratio <= lastRatio && !own) return; // unsquashfs redraws often: only forward movement
    lastRatio = Math.max(lastRatio, ratio);
    opts.emit({ type: 'progress', ratio, step: lead.id, text: leadText.get(lead) ?? lead.title });
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
    noFsync: opts.noFsync ?? [],
    progress: () => {},
    state: newState(),
  };
  const planVgs = plan.steps.flatMap((s) => (s.kind === 'lvm' ? [s.vg] : []));
  const fail = async (step: Step, err: unknown): Promise<ApplyOutcome> => {
    const text = describeFailure(step, err);
    emit({ type: 'error', step: step.id, text });
    emit({
      type: 'message',
      text: 'Cleaning up: unmounting the target and deactivating volume groups',
    });
    const cleanupProblems = await cleanup(ctx, planVgs);
    for (const p of cleanupProblems) emit({ type: 'warning', text: `cleanup: ${p}` });
    const s = seconds();
    opts.emit({ type: 'finished', ok: false, seconds: s });
    return { ok: false, seconds: s, failedStep: step.id, error: text, cleanupProblems };
  };
  const broken = concurrencyProblem(plan.steps);
  if (broken) {
    const s = seconds();
    emit({ type: 'error', text: `the plan is inconsistent: ${broken}` });
    opts.emit({ type: 'finished', ok: false, seconds: s });
    return { ok: false, seconds: s, error: broken };
  }
  for (const w of plan.warnings) emit({ type: 'warning', text: w });

  /** one step in its own lane: its own progress callback, the shared state */
  const runStep = async (lead: Step, step: Step): Promise<void> => {
    const lane: ApplyContext = { ...ctx, progress: (f, text) => progress(lead, step, f, text) };
    lane.progress(0, step === lead ? step.title : undefined);
    log(`== ${step.id}: ${step.title}${step === lead ? '' : ` (beside ${lead.id})`}`);
    const t0 = now();
    const handler = table[step.kind] as (s: Step, c: ApplyContext) => Promise<void>;
    await handler(step, lane);
    const ms = now() - t0;
    stepSeconds[step.id] = Math.round(ms / 100) / 10;
    log(`== ${step.id} done in ${Math.round(ms)} ms`);
    running.delete(step);
    done += Math.max(0, step.weight);
  };

  for (let i = 0; i < plan.steps.length;) {
    const lead = plan.steps[i]!;
    const beside: Step[] = [];
    for (i++; i < plan.steps.length && plan.steps[i]!.concurrentWith === lead.id; i++)
      beside.push(plan.steps[i]!);
    // the lead in one lane, the steps beside it one after another in a second; a failure in either
    // waits for the other lane (no half-run command is left behind), then cleans up as usual
    type Failure = { step: Step; err: unknown } | null;
    const leadRun = runStep(lead, lead).then(
      (): Failure => null,
      (err: unknown): Failure => ({ step: lead, err }),
    );
    const sideRun = (async (): Promise<Failure> => {
      for (const step of beside) {
        try {
          await runStep(lead, step);
        } catch (err) {
          return { step, err };
        }
      }
      return null;
    })();
    const [leadFailure, sideFailure] = await Promise.all([leadRun, sideRun]);
    const failed = leadFailure ?? sideFailure;
    if (failed) return fail(failed.step, failed.err);
  }

  for (const hook of opts.afterInstall ?? []) {
    try {
      await hook({ plan, target: ctx.target, emit, log, seconds: seconds() });
    } catch (err) {
      emit({
        type: 'warning',
        text: `after install: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }
  opts.emit({ type: 'progress', ratio: 1, step: 'done', text: 'Installation complete' });
  const s = seconds();
  opts.emit({ type: 'finished', ok: true, seconds: s });
  return { ok: true, seconds: s, stepSeconds };
}
