// `--hardware FILE`: a recorded HardwareProfile (the JSON `openve-install detect --json` prints)
// replayed instead of this machine, for plan, auto --dry-run and the UI.
import { readFileSync } from 'node:fs';
import { UserError } from '../../lib/errors.ts';
import { unreadableReason } from '../../lib/fs.ts';
import { checkHardwareProfile } from '../../contracts/hardware/schema.ts';
import type { HardwareProfile } from '../../contracts/hardware/types.ts';

export function loadHardwareFile(file: string): HardwareProfile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError({ path: '--hardware', message: `${file}: ${unreadableReason(err)}; expected a JSON file written by 'openve-install detect --json'` });
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
  return r.value;
}
