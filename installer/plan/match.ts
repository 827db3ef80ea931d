// udev property filters (answer file `filter.<PROPERTY> = "glob"`), as Proxmox matches them:
// shell-style globs (* ? [abc] [!abc]), case-sensitive, over the whole value.
import type { UdevFilter } from '../../contracts/answers/types.ts';

const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (re) return re;
  let src = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') src += '.*';
    else if (c === '?') src += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) src += '\\[';
      else {
        let body = glob.slice(i + 1, end);
        const negate = body.startsWith('!') || body.startsWith('^');
        if (negate) body = body.slice(1);
        src += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
        i = end;
      }
    } else src += c.replace(/[.+^${}()|\\/\]]/g, '\\$&');
  }
  re = new RegExp(`^${src}$`, 's');
  cache.set(glob, re);
  return re;
}

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
    return value !== undefined && globToRegExp(glob).test(value);
  };
  return match === 'all' ? entries.every(hit) : entries.some(hit);
}

/** `ID_MODEL="Samsung*", ID_BUS="ata"` for messages */
export function describeFilter(filter: UdevFilter): string {
  return Object.entries(filter)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
}
