// Pure: the kernel command line -> openve's boot parameters.
import { isFingerprint, normalizeFingerprint } from '../../lib/net/pinned.ts';
import type { Issue } from '../../lib/errors.ts';

/** Split like the kernel does: spaces separate, double quotes group ("a b" or key="a b"). */
export function splitKernelCmdline(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let has = false;
  for (const ch of text) {
    if (ch === '"') {
      quoted = !quoted;
      has = true;
    } else if (!quoted && /\s/.test(ch)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

/** key -> value ('' for a bare flag); the last occurrence wins, as for most kernel parameters. */
export function parseKernelCmdline(text: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const word of splitKernelCmdline(text)) {
    const eq = word.indexOf('=');
    if (eq === -1) params.set(word, '');
    else params.set(word.slice(0, eq), word.slice(eq + 1));
  }
  return params;
}

/** `openve.answer=` either names a URL or restricts the search to one kind of source. */
export type AnswerMode = 'iso' | 'partition' | 'http';

export interface BootParams {
  /** openve.answer=<http(s) URL> */
  answerUrl?: string;
  /** openve.answer=iso|partition|http: only that source */
  answerMode?: AnswerMode;
  /** openve.answer-fingerprint=<sha256>, canonical form */
  answerFingerprint?: string;
  /** openve.confirm-wipe=1: `auto` may wipe disks without --yes */
  confirmWipe: boolean;
  /** openve.auto=1: the boot entry asked for an unattended install */
  auto: boolean;
  /** parameters present but malformed; reported, never silently ignored */
  issues: Issue[];
}

const TRUE = new Set(['', '1', 'yes', 'true', 'on']);
const FALSE = new Set(['0', 'no', 'false', 'off']);

function flag(params: Map<string, string>, key: string, issues: Issue[]): boolean {
  const v = params.get(key);
  if (v === undefined) return false;
  if (TRUE.has(v.toLowerCase())) return true;
  if (FALSE.has(v.toLowerCase())) return false;
  issues.push({
    path: `kernel parameter ${key}`,
    message: `expected 1 or 0, got ${JSON.stringify(v)}`,
  });
  return false;
}

export function parseBootParams(cmdline: string): BootParams {
  const params = parseKernelCmdline(cmdline);
  const issues: Issue[] = [];
  const result: BootParams = {
    confirmWipe: flag(params, 'openve.confirm-wipe', issues),
    auto: flag(params, 'openve.auto', issues),
    issues,
  };
  const answer = params.get('openve.answer');
  if (answer !== undefined) {
    if (answer === 'iso' || answer === 'partition' || answer === 'http') result.answerMode = answer;
    else if (/^https?:\/\/[^/\s]/i.test(answer)) result.answerUrl = answer;
    else {
      issues.push({
        path: 'kernel parameter openve.answer',
        message: `expected an http:// or https:// URL, or one of iso, partition, http; got ${JSON.stringify(answer)}`,
      });
    }
  }
  const fp = params.get('openve.answer-fingerprint');
  if (fp !== undefined) {
    if (isFingerprint(fp)) result.answerFingerprint = normalizeFingerprint(fp);
    else {
      issues.push({
        path: 'kernel parameter openve.answer-fingerprint',
        message: `expected a SHA-256 certificate fingerprint (64 hex digits, colons optional), got ${JSON.stringify(fp)}`,
      });
    }
  }
  return result;
}
