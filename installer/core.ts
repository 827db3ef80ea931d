// The one path from answer-file text to a plan, shared by `validate`, `plan`, `auto` and the
// golden tests: parse + validate (answers/), then the pure planner (plan/).
import type { Answers } from '../contracts/answers/types.ts';
import type { HardwareProfile } from '../contracts/hardware/types.ts';
import type { Plan } from '../contracts/plan/types.ts';
import type { Result } from '../lib/errors.ts';
import { parseAnswers } from './answers/parse.ts';
import { buildPlan } from './plan/buildPlan.ts';

export function planFromAnswerText(
  text: string,
  hardware: HardwareProfile,
): Result<{ answers: Answers; plan: Plan }> {
  const parsed = parseAnswers(text);
  if (!parsed.ok) return parsed;
  const planned = buildPlan(parsed.value, hardware);
  if (!planned.ok) return planned;
  return { ok: true, value: { answers: parsed.value, plan: planned.value } };
}
