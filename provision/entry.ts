import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** True when this module is the script node was started with (the bundled /usr/lib/openve/*.js),
 *  false when it is imported (bin/pveca.js, tests). */
export function isEntry(url: string): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(url));
  } catch {
    return false;
  }
}
