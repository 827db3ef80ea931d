// The destructive confirmation: the user types the host name shown on screen. Nothing before this
// screen writes to a disk; Enter with the right name starts the install.
import { editText, type TextState } from '../../components/text-edit.ts';
import type { KeyPress } from '../../keys.ts';

export type ConfirmResult = TextState | { kind: 'confirm'; typed: string } | { kind: 'back' };

export function confirmKey(state: TextState, key: KeyPress): ConfirmResult {
  if (key.kind === 'enter') return { kind: 'confirm', typed: state.value };
  if (key.kind === 'escape') return { kind: 'back' };
  return editText(state, key, 64) ?? state;
}
