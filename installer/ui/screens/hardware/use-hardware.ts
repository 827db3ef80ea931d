import { useScreenInput } from '../../components/input-router.tsx';
import { toKeyPress } from '../../keys.ts';
import type { WizardAction } from '../../wizard/state.ts';

export function useHardware(dispatch: (a: WizardAction) => void, isActive: boolean): void {
  useScreenInput(
    (input, key) => {
      const k = toKeyPress(input, key);
      if (k.kind === 'enter') dispatch({ type: 'next' });
      else if (k.kind === 'escape') dispatch({ type: 'back' });
    },
    { isActive },
  );
}
