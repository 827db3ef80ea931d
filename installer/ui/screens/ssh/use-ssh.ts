import { useKeyedScreen } from '../../components/use-keyed-screen.ts';
import type { WizardAction } from '../../wizard/state.ts';
import { sshKey, type SshState } from './ssh-state.ts';

export function useSsh(
  get: () => SshState,
  set: (s: SshState) => void,
  dispatch: (a: WizardAction) => void,
  isActive: boolean,
): void {
  useKeyedScreen(get, set, dispatch, isActive, sshKey, (s) => ({ ssh: { keys: s.keys } }));
}
