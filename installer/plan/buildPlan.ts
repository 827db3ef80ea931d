// STUB (owned by the planner work): pure (answers, hardware) -> Plan.
import type { Answers } from '../answers/types.ts';
import type { HardwareProfile } from '../hardware/types.ts';
import type { Plan } from './types.ts';
import type { Result } from '../errors.ts';

export function buildPlan(_answers: Answers, _hardware: HardwareProfile): Result<Plan> {
  return { ok: false, issues: [{ path: '', message: 'planner not implemented yet' }] };
}
