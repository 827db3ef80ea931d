// Welcome: Enter (or 'a') accepts the license and moves on.
import { useScreenInput } from '../../components/input-router.tsx';
import { toKeyPress } from '../../keys.ts';
import type { WizardAction } from '../../wizard/state.ts';

export function welcomeKey(k: ReturnType<typeof toKeyPress>): WizardAction | null {
  if (k.kind === 'enter' || (k.kind === 'text' && k.text.toLowerCase() === 'a'))
    return { type: 'accept-license' };
  return null;
}

export function useWelcome(dispatch: (a: WizardAction) => void, isActive: boolean): void {
  useScreenInput(
    (input, key) => {
      const action = welcomeKey(toKeyPress(input, key));
      if (action) dispatch(action);
    },
    { isActive },
  );
}
