import { useScreenInput } from '../../components/input-router.tsx';
import type { TextState } from '../../components/text-edit.ts';
import { toKeyPress } from '../../keys.ts';
import type { ScreenProps } from '../types.ts';
import { confirmKey } from './confirm-state.ts';

export function useConfirm(
  { dispatch, services, active }: ScreenProps,
  get: () => TextState,
  set: (s: TextState) => void,
): void {
  useScreenInput(
    (input, key) => {
      const k = toKeyPress(input, key);
      if (k.kind === 'ctrl-c' || k.kind === 'none') return;
      const r = confirmKey(get(), k);
      if (!('kind' in r)) set(r);
      else if (r.kind === 'back') dispatch({ type: 'back' });
      else dispatch({ type: 'confirm', typed: r.typed, now: services.now() });
    },
    { isActive: active },
  );
}
