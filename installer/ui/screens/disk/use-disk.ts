// Disk screen keys: Enter/Esc belong to the wizard unless the advanced panel is open.
import { useKeyedScreen } from '../../components/use-keyed-screen.ts';
import type { HardwareProfile } from '../../../../contracts/hardware/types.ts';
import type { WizardAction } from '../../wizard/state.ts';
import { diskReducer, type DiskState } from './disk-state.ts';

export function useDisk(
  get: () => DiskState,
  set: (s: DiskState) => void,
  dispatch: (a: WizardAction) => void,
  hw: HardwareProfile,
  isActive: boolean,
): void {
  useKeyedScreen(
    get,
    set,
    dispatch,
    isActive,
    (state, k) => {
      if (!state.advanced && k.kind === 'enter') return 'submit';
      if (!state.advanced && k.kind === 'escape') return 'back';
      return diskReducer(state, { type: 'key', key: k, hw });
    },
    (s) => ({ disk: s.values }),
  );
}
