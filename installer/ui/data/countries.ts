// The answer file's country codes with English names from ICU (Node ships full ICU), computed on
// first use so start-up does not pay for it.
import { COUNTRY_CODES } from '../../../contracts/answers/locales.ts';
import type { Choice } from './keyboards.ts';

let cached: Choice[] | null = null;

export function countries(): Choice[] {
  if (cached) return cached;
  const names = new Intl.DisplayNames(['en'], { type: 'region' });
  cached = COUNTRY_CODES.map((code) => ({
    value: code,
    label: `${names.of(code.toUpperCase()) ?? code} (${code})`,
  })).sort((a, b) => a.label.localeCompare(b.label));
  return cached;
}

export const countryName = (code: string): string =>
  countries().find((c) => c.value === code)?.label ?? code;
