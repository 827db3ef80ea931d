// A form's state (values, focused field, cursor) and how keys change it — pure, like
// @inkjs/ui's use-select-state. Enter and Esc are left to the screen (submit / back).
import type { Choice } from '../../data/keyboards.ts';
import type { KeyPress } from '../../keys.ts';
import { editText } from '../text-edit.ts';

export type FieldKind = 'text' | 'password' | 'choice';

export interface FieldSpec {
  id: string;
  label: string;
  kind: FieldKind;
  options?: Choice[]; // choice fields
  placeholder?: string;
  hint?: string;
  maxLength?: number;
}

export interface FormState {
  values: Record<string, string>;
  focus: string;
  cursor: number;
}

export function initForm(
  values: Record<string, string>,
  fields: FieldSpec[],
  focus?: string,
): FormState {
  const id = focus ?? fields[0]?.id ?? '';
  return { values, focus: id, cursor: (values[id] ?? '').length };
}

function focusTo(state: FormState, id: string): FormState {
  return { ...state, focus: id, cursor: (state.values[id] ?? '').length };
}

export function focusField(state: FormState, id: string): FormState {
  return focusTo(state, id);
}

/** Moves focus by `delta` among the visible fields (wrapping), keeping it on a visible field. */
export function moveFocus(state: FormState, fields: FieldSpec[], delta: number): FormState {
  if (fields.length === 0) return state;
  const at = fields.findIndex((f) => f.id === state.focus);
  const i = at < 0 ? 0 : (at + delta + fields.length) % fields.length;
  return focusTo(state, fields[i]!.id);
}

export function cycleChoice(state: FormState, field: FieldSpec, delta: number): FormState {
  const options = field.options ?? [];
  if (options.length === 0) return state;
  const at = options.findIndex((o) => o.value === state.values[field.id]);
  const next = options[(at + delta + options.length) % options.length]!;
  return { ...state, values: { ...state.values, [field.id]: next.value } };
}

export function formKey(state: FormState, fields: FieldSpec[], key: KeyPress): FormState {
  const field = fields.find((f) => f.id === state.focus);
  if (!field) return moveFocus(state, fields, 0);
  switch (key.kind) {
    case 'tab':
    case 'down':
      return moveFocus(state, fields, 1);
    case 'backtab':
    case 'up':
      return moveFocus(state, fields, -1);
  }
  if (field.kind === 'choice') {
    if (key.kind === 'left') return cycleChoice(state, field, -1);
    if (key.kind === 'right' || key.kind === 'space') return cycleChoice(state, field, 1);
    return state;
  }
  const edited = editText(
    {
      value: state.values[field.id] ?? '',
      cursor: Math.min(state.cursor, (state.values[field.id] ?? '').length),
    },
    key,
    field.maxLength,
  );
  if (!edited) return state;
  return { ...state, values: { ...state.values, [field.id]: edited.value }, cursor: edited.cursor };
}
