// STUB (owned by the answers work): TOML text -> validated, normalized Answers.
import type { Answers } from './types.ts';
import type { Result } from '../errors.ts';

export function parseAnswers(_text: string): Result<Answers> {
  return { ok: false, issues: [{ path: '', message: 'answer parsing not implemented yet' }] };
}
