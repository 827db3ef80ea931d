// zod issues -> our `{path, message}` issues (installer/errors.ts), every problem at once.
import type { z } from 'zod';
import type { Issue } from '../../lib/errors.ts';

export type { Issue } from '../../lib/errors.ts';

/** `disks[1].size` style path, the way an administrator reads it. */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

export function zodIssues(error: z.ZodError, prefix = ''): Issue[] {
  const join = (segs: readonly PropertyKey[]) => {
    const p = issuePath(segs);
    return (prefix && p ? `${prefix}.${p}` : prefix || p) || '(body)';
  };
  return error.issues.flatMap((i) => {
    // one issue per unknown field, named by its own path
    if (i.code === 'unrecognized_keys')
      return i.keys.map((k) => ({ path: join([...i.path, k]), message: 'unknown field' }));
    const message =
      i.code === 'invalid_type' && / received undefined$/.test(i.message)
        ? 'is required'
        : i.message;
    return [{ path: join(i.path), message }];
  });
}

/** zod `error` option: 'is required' when the field is missing, else `message`. */
export const typeError =
  (message: string) =>
  (iss: { input?: unknown }): string =>
    iss.input === undefined ? 'is required' : message;
