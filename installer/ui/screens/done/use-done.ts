import { useInput } from 'ink';
import { toKeyPress } from '../../keys.ts';
import type { WizardAction } from '../../wizard/state.ts';

export function useDone(dispatch: (a: WizardAction) => void, isActive: boolean): void {
  useInput(
    (input, key) => {
      if (toKeyPress(input, key).kind === 'enter') dispatch({ type: 'finish' });
    },
    { isActive },
  );
}
