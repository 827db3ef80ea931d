// udev property filters (answer file `filter.<PROPERTY> = "glob"`), as Proxmox matches them:
// shell-style globs (* ? [abc] [!abc]), case-sensitive, over the whole value, matched by glob.ts
// in bounded time.
import type { UdevFilter } from '../../contracts/answers/types.ts';
import { globMatch } from '../answers/glob.ts';

/** 'any': one filter entry matches; 'all': every entry matches (a missing property never matches). */
export function matchesFilter(
  props: Record<string, string>,
  filter: UdevFilter,
  match: 'any' | 'all',
): boolean {
  const entries = Object.entries(filter);
  if (entries.length === 0) return false;
  const hit = ([key, glob]: [string, string]): boolean => {
    const value = props[key];
    return value !== undefined && globMatch(glob, value);
  };
  return match === 'all' ? entries.every(hit) : entries.some(hit);
}

/** `ID_MODEL="Samsung*", ID_BUS="ata"` for messages */
export function describeFilter(filter: UdevFilter): string {
  return Object.entries(filter)
    .map(([k, v]) => `${k}=${JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)}`) // a 1 MiB glob is not echoed
    .join(', ');
}
