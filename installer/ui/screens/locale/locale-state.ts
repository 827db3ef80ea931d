// Location screen: three searchable fields; at most one list open at a time.
import { countries } from '../../data/countries.ts';
import type { Choice } from '../../data/keyboards.ts';
import { keyboards } from '../../data/keyboards.ts';
import { timezones } from '../../data/timezones.ts';
import type { KeyPress } from '../../keys.ts';
import { closedPicker, pickerKey, type PickerState } from '../../components/picker/picker-state.ts';
import type { LocaleValues } from '../../wizard/values.ts';

export type LocaleField = keyof LocaleValues;
export const LOCALE_FIELDS: { id: LocaleField; label: string }[] = [
  { id: 'country', label: 'Country' },
  { id: 'timezone', label: 'Time zone' },
  { id: 'keyboard', label: 'Keyboard' },
];

export function choicesFor(field: LocaleField): Choice[] {
  return field === 'country' ? countries() : field === 'timezone' ? timezones() : keyboards;
}

export function labelOf(field: LocaleField, value: string): string {
  return choicesFor(field).find((c) => c.value === value)?.label ?? value;
}

export interface LocaleState {
  values: LocaleValues;
  focus: LocaleField;
  open: PickerState | null;
}

export const initLocaleState = (values: LocaleValues): LocaleState => ({
  values,
  focus: 'country',
  open: null,
});

/** Returns the new state, or 'submit' / 'back' for the wizard. */
export function localeKey(state: LocaleState, key: KeyPress): LocaleState | 'submit' | 'back' {
  if (state.open) {
    const r = pickerKey(state.open, choicesFor(state.focus), key);
    if (r.kind === 'cancel') return { ...state, open: null };
    if (r.kind === 'picked')
      return { ...state, open: null, values: { ...state.values, [state.focus]: r.value } };
    return { ...state, open: r.state };
  }
  const at = LOCALE_FIELDS.findIndex((f) => f.id === state.focus);
  const move = (d: number) => ({
    ...state,
    focus: LOCALE_FIELDS[(at + d + LOCALE_FIELDS.length) % LOCALE_FIELDS.length]!.id,
  });
  switch (key.kind) {
    case 'enter':
      return 'submit';
    case 'escape':
      return 'back';
    case 'tab':
    case 'down':
      return move(1);
    case 'backtab':
    case 'up':
      return move(-1);
    case 'space':
    case 'right': {
      // open the list on the current value
      const list = choicesFor(state.focus);
      const i = Math.max(
        0,
        list.findIndex((c) => c.value === state.values[state.focus]),
      );
      return { ...state, open: { ...closedPicker, highlight: i } };
    }
    case 'text':
      return { ...state, open: { query: key.text.replace(/[\r\n]/g, ''), highlight: 0 } };
    default:
      return state;
  }
}
