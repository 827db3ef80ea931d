// What an openve ISO may carry for the installer under /openve: written by `prepare-iso` (iso/),
// read by the live system's answer search (installer/locate/). The same file names are used at
// the top of an OPENVE-AIS partition.
import { normalizeFingerprint } from '../lib/net/pinned.ts';

/** directory on the ISO (ISO path `/openve`) holding the embedded answer, URL and hook */
export const ISO_OPENVE_DIR = 'openve';
/** file names inside that directory */
export const ANSWER_FILE_NAME = 'answer.toml';
export const ANSWER_URL_FILE_NAME = 'answer-url.txt';
export const FIRST_BOOT_FILE_NAME = 'first-boot';

/** Pure: the answer-url.txt prepare-iso writes (read back by locate's parseAnswerUrlFile). */
export function renderAnswerUrlFile(url: string, fingerprint?: string): string {
  return `# written by openve-install prepare-iso: the answer is fetched from this URL\nurl=${url}\n${fingerprint ? `fingerprint=${normalizeFingerprint(fingerprint)}\n` : ''}`;
}
