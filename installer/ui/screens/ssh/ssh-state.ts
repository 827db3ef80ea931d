// SSH keys screen: paste one key (or several lines) into the field, Enter adds; the list below can
// be walked with Up/Down and entries removed with Backspace/d. Empty field + Enter = Next.
import { createHash } from 'node:crypto';
import { editText, textAt, type TextState } from '../../components/text-edit.ts';
import type { KeyPress } from '../../keys.ts';
import { checkSshKey } from '../../wizard/checks.ts';

export interface SshState {
  input: TextState;
  keys: string[];
  focus: 'input' | number;
  error: string | null;
}

export const initSshState = (keys: string[]): SshState => ({
  input: textAt(''),
  keys,
  focus: 'input',
  error: null,
});

/** Adds every key line in `text`; a bad line stays in the field with the reason. */
export function addKeys(state: SshState, text: string): SshState {
  const lines = text
    .split(/[\r\n]+/)
    .map((l) => l.trim())
    .filter(Boolean);
  const keys = [...state.keys];
  for (const [i, line] of lines.entries()) {
    const error = checkSshKey(line);
    if (error) return { ...state, keys, input: textAt(lines.slice(i).join(' ')), error };
    if (!keys.includes(line)) keys.push(line);
  }
  return { ...state, keys, input: textAt(''), error: null };
}

export function sshKey(state: SshState, key: KeyPress): SshState | 'submit' | 'back' {
  if (key.kind === 'escape') return 'back';
  if (state.focus === 'input') {
    if (key.kind === 'enter')
      return state.input.value.trim() ? addKeys(state, state.input.value) : 'submit';
    if (key.kind === 'down' || key.kind === 'tab')
      return state.keys.length ? { ...state, focus: 0 } : state;
    if (key.kind === 'text' && /[\r\n]/.test(key.text)) {
      const text =
        state.input.value.slice(0, state.input.cursor) +
        key.text +
        state.input.value.slice(state.input.cursor);
      return addKeys(state, text);
    }
    const edited = editText(state.input, key, 16384);
    return edited ? { ...state, input: edited, error: null } : state;
  }
  const i = state.focus;
  switch (key.kind) {
    case 'enter':
      return 'submit';
    case 'up':
    case 'backtab':
      return { ...state, focus: i === 0 ? 'input' : i - 1 };
    case 'down':
    case 'tab':
      return { ...state, focus: Math.min(i + 1, state.keys.length - 1) };
    case 'backspace': {
      const keys = state.keys.filter((_, j) => j !== i);
      return { ...state, keys, focus: keys.length === 0 ? 'input' : Math.min(i, keys.length - 1) };
    }
    case 'text':
      return key.text === 'd' ? sshKey(state, { kind: 'backspace' }) : state;
    default:
      return state;
  }
}

/** 'ssh-ed25519 SHA256:uNiVz... alice@laptop', the fingerprint as `ssh-keygen -l` prints it. */
export function describeKey(line: string): string {
  const [type = '', blob = '', ...comment] = line.trim().split(/\s+/);
  const fp = createHash('sha256')
    .update(Buffer.from(blob, 'base64'))
    .digest('base64')
    .replace(/=+$/, '');
  return `${type} SHA256:${fp} ${comment.join(' ')}`.trim();
}
