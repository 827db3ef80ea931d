import { useKeyedScreen } from '../../components/use-keyed-screen.ts';
import type { WizardAction } from '../../wizard/state.ts';
import { localeKey, type LocaleState } from './locale-state.ts';

export function useLocale(
  get: () => LocaleState,
  set: (s: LocaleState) => void,
  dispatch: (a: WizardAction) => void,
  isActive: boolean,
): void {
  useKeyedScreen(get, set, dispatch, isActive, localeKey, (s) => ({ locale: s.values }));
}
