// The input hook shared by screens whose pure key function answers a new state, or 'submit' /
// 'back' for the wizard (which then receives the screen's values).
import { useScreenInput } from './input-router.tsx';
import { toKeyPress, type KeyPress } from '../keys.ts';
import type { WizardAction } from '../wizard/state.ts';
import type { WizardValues } from '../wizard/values.ts';

export function useKeyedScreen<S>(
  get: () => S,
  set: (s: S) => void,
  dispatch: (a: WizardAction) => void,
  isActive: boolean,
  onKey: (state: S, key: KeyPress) => S | 'submit' | 'back',
  valuesOf: (state: S) => Partial<WizardValues>,
): void {
  useScreenInput(
    (input, key) => {
      const k = toKeyPress(input, key);
      if (k.kind === 'ctrl-c' || k.kind === 'none') return;
      const state = get();
      const r = onKey(state, k);
      if (r === 'submit') dispatch({ type: 'submit', values: valuesOf(state) });
      else if (r === 'back') dispatch({ type: 'back', values: valuesOf(state) });
      else set(r);
    },
    { isActive },
  );
}
