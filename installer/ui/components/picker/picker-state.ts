// A searchable list (country, time zone, keyboard): typing filters, arrows move, Enter picks.
import type { Choice } from '../../data/keyboards.ts';
import type { KeyPress } from '../../keys.ts';

export interface PickerState {
  query: string;
  highlight: number; // index into the filtered list
}

export const closedPicker: PickerState = { query: '', highlight: 0 };

/** Matches ranked: value prefix, label prefix, any word of the label, then substring anywhere. */
export function filterChoices(choices: readonly Choice[], query: string): Choice[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...choices];
  // [rank, length of the matched word]: 'vien' finds Europe/Vienna before Asia/Vientiane
  const rank = (c: Choice): [number, number] => {
    const v = c.value.toLowerCase();
    const l = c.label.toLowerCase();
    if (v === q) return [0, 0];
    if (v.startsWith(q)) return [1, 0];
    if (l.startsWith(q)) return [2, 0];
    const word = l
      .split(/[\s/_(),-]+/)
      .filter((w) => w.startsWith(q))
      .sort((a, b) => a.length - b.length)[0];
    if (word) return [3, word.length];
    if (l.includes(q) || v.includes(q)) return [4, 0];
    return [9, 0];
  };
  return choices
    .map((c, i) => ({ c, i, r: rank(c) }))
    .filter((x) => x.r[0] < 9)
    .sort((a, b) => a.r[0] - b.r[0] || a.r[1] - b.r[1] || a.i - b.i)
    .map((x) => x.c);
}

export type PickerResult =
  { kind: 'state'; state: PickerState } | { kind: 'picked'; value: string } | { kind: 'cancel' };

export function pickerKey(
  state: PickerState,
  choices: readonly Choice[],
  key: KeyPress,
): PickerResult {
  const matches = filterChoices(choices, state.query);
  const clamp = (i: number) => Math.max(0, Math.min(matches.length - 1, i));
  switch (key.kind) {
    case 'text':
    case 'space': {
      const query = state.query + (key.kind === 'text' ? key.text.replace(/[\r\n]/g, '') : ' ');
      return { kind: 'state', state: { query, highlight: 0 } };
    }
    case 'backspace': {
      if (!state.query) return { kind: 'cancel' };
      return { kind: 'state', state: { query: state.query.slice(0, -1), highlight: 0 } };
    }
    case 'up':
      return { kind: 'state', state: { ...state, highlight: clamp(state.highlight - 1) } };
    case 'down':
      return { kind: 'state', state: { ...state, highlight: clamp(state.highlight + 1) } };
    case 'pageup':
      return { kind: 'state', state: { ...state, highlight: clamp(state.highlight - 8) } };
    case 'pagedown':
      return { kind: 'state', state: { ...state, highlight: clamp(state.highlight + 8) } };
    case 'enter': {
      const picked = matches[state.highlight];
      return picked ? { kind: 'picked', value: picked.value } : { kind: 'state', state };
    }
    case 'escape':
      return { kind: 'cancel' };
    default:
      return { kind: 'state', state };
  }
}
