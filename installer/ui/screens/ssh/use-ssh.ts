import { useScreenInput } from '../../components/input-router.tsx';
import { toKeyPress } from '../../keys.ts';
import type { WizardAction } from '../../wizard/state.ts';
import { sshKey, type SshState } from './use-ssh-state.ts';

export function useSsh(
  get: () => SshState,
  set: (s: SshState) => void,
  dispatch: (a: WizardAction) => void,
  isActive: boolean,
): void {
  useScreenInput(
    (input, key) => {
      const k = toKeyPress(input, key);
      if (k.kind === 'ctrl-c' || k.kind === 'none') return;
      const state = get();
      const r = sshKey(state, k);
      if (r === 'submit') dispatch({ type: 'submit', values: { ssh: { keys: state.keys } } });
      else if (r === 'back') dispatch({ type: 'back', values: { ssh: { keys: state.keys } } });
      else set(r);
    },
    { isActive },
  );
}
