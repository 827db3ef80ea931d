// Pure single-line text editing: the state of one input field and how a key changes it.
import type { KeyPress } from '../keys.ts';

export interface TextState {
  value: string;
  cursor: number; // 0..value.length
}

export const textAt = (value: string): TextState => ({ value, cursor: value.length });

/** Applies an editing key; returns null when the key is not an editing key (the caller handles it). */
export function editText(state: TextState, key: KeyPress, maxLength = 4096): TextState | null {
  const { value, cursor } = state;
  switch (key.kind) {
    case 'text':
    case 'space': {
      const raw = key.kind === 'text' ? key.text : ' ';
      const text = raw.replace(/[\r\n]+/g, ' ');
      const next = (value.slice(0, cursor) + text + value.slice(cursor)).slice(0, maxLength);
      return { value: next, cursor: Math.min(cursor + text.length, next.length) };
    }
    case 'backspace':
      if (cursor === 0) return state;
      return { value: value.slice(0, cursor - 1) + value.slice(cursor), cursor: cursor - 1 };
    case 'left':
      return { value, cursor: Math.max(0, cursor - 1) };
    case 'right':
      return { value, cursor: Math.min(value.length, cursor + 1) };
    case 'home':
      return { value, cursor: 0 };
    case 'end':
      return { value, cursor: value.length };
    case 'ctrl-u':
      return { value: '', cursor: 0 };
    default:
      return null;
  }
}
