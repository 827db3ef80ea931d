import { useScreenInput } from '../../components/input-router.tsx';
import { toKeyPress } from '../../keys.ts';
import type { WizardAction } from '../../wizard/state.ts';
import { localeKey, type LocaleState } from './use-locale-state.ts';

export function useLocale(
  get: () => LocaleState,
  set: (s: LocaleState) => void,
  dispatch: (a: WizardAction) => void,
  isActive: boolean,
): void {
  useScreenInput(
    (input, key) => {
      const k = toKeyPress(input, key);
      if (k.kind === 'ctrl-c' || k.kind === 'none') return;
      const state = get();
      const r = localeKey(state, k);
      if (r === 'submit') dispatch({ type: 'submit', values: { locale: state.values } });
      else if (r === 'back') dispatch({ type: 'back', values: { locale: state.values } });
      else set(r);
    },
    { isActive },
  );
}
