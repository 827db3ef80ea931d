// Keyboard for a form screen: Enter submits, Esc goes back, everything else edits the form.
import { useScreenInput } from '../input-router.tsx';
import { toKeyPress, type KeyPress } from '../../keys.ts';

export interface FormInputHandlers {
  onKey: (key: KeyPress) => void;
  onSubmit: () => void;
  onBack?: () => void;
  isActive: boolean;
}

export function useFormInput({ onKey, onSubmit, onBack, isActive }: FormInputHandlers): void {
  useScreenInput(
    (input, key) => {
      const k = toKeyPress(input, key);
      if (k.kind === 'ctrl-c' || k.kind === 'none') return;
      if (k.kind === 'enter') onSubmit();
      else if (k.kind === 'escape') onBack?.();
      else onKey(k);
    },
    { isActive },
  );
}
