import { useScreenInput } from '../../components/input-router.tsx';
import { toKeyPress } from '../../keys.ts';
import type { WizardAction } from '../../wizard/state.ts';

export function useDone(dispatch: (a: WizardAction) => void, isActive: boolean): void {
  useScreenInput(
    (input, key) => {
      if (toKeyPress(input, key).kind === 'enter') dispatch({ type: 'finish' });
    },
    { isActive },
  );
}
