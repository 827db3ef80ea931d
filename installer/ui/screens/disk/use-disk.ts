// Disk screen keys: Enter/Esc belong to the wizard unless the advanced panel is open.
import { useScreenInput } from '../../components/input-router.tsx';
import type { HardwareProfile } from '../../../hardware/types.ts';
import { toKeyPress } from '../../keys.ts';
import type { WizardAction } from '../../wizard/state.ts';
import { diskReducer, type DiskState } from './use-disk-state.ts';

export function useDisk(
  get: () => DiskState,
  set: (s: DiskState) => void,
  dispatch: (a: WizardAction) => void,
  hw: HardwareProfile,
  isActive: boolean,
): void {
  useScreenInput(
    (input, key) => {
      const k = toKeyPress(input, key);
      if (k.kind === 'ctrl-c' || k.kind === 'none') return;
      const state = get();
      if (!state.advanced && k.kind === 'enter')
        dispatch({ type: 'submit', values: { disk: state.values } });
      else if (!state.advanced && k.kind === 'escape')
        dispatch({ type: 'back', values: { disk: state.values } });
      else set(diskReducer(state, { type: 'key', key: k, hw }));
    },
    { isActive },
  );
}
