import { FORM_SCREENS, type Screen } from '../wizard/state.ts';

export function stepOf(screen: Screen): { index: number; total: number } | undefined {
  const i = FORM_SCREENS.indexOf(screen);
  return i < 0 ? undefined : { index: i + 1, total: FORM_SCREENS.length };
}
