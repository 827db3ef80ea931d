// The time zones the answer file accepts (answers/locales.ts), sorted for the list.
import { timeZones } from '../../../contracts/answers/locales.ts';
import type { Choice } from './keyboards.ts';

let cached: Choice[] | null = null;

export function timezones(): Choice[] {
  if (cached) return cached;
  cached = [...timeZones()].sort().map((z) => ({ value: z, label: z }));
  return cached;
}
