// `--hardware FILE`: a recorded HardwareProfile (the JSON `openve-install detect --json` prints)
// replayed instead of this machine, for plan, auto --dry-run and the UI.
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.ts';
import { checkHardwareProfile } from './schema.ts';
import type { HardwareProfile } from './types.ts';
import { sanitizeProfile } from './sanitize.ts';

export function loadHardwareFile(file: string): HardwareProfile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : `cannot read (${code ?? String(err)})`;
    throw new UserError({ path: '--hardware', message: `${file}: ${why}; expected a JSON file written by 'openve-install detect --json'` });
  }
  return parseHardwareText(text, file);
}

/** Parse and validate JSON text; `source` names it in errors (`FILE: disks[1].kind: ...`). */
export function parseHardwareText(text: string, source: string): HardwareProfile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new UserError({ path: source, message: `not valid JSON (${msg}); expected the output of 'openve-install detect --json'` });
  }
  const r = checkHardwareProfile(value);
  if (!r.ok) throw new UserError(r.issues.map((i) => ({ path: `${source}: ${i.path}`, message: i.message })));
  return sanitizeProfile(r.value);
}
