import { useScreenInput } from '../../components/input-router.tsx';
import { toKeyPress } from '../../keys.ts';
import { toAnswers } from '../../wizard/answers.ts';
import type { ScreenProps } from '../types.ts';
import { summaryKey, type SummaryState } from './summary-state.ts';

export function useSummary(
  props: ScreenProps,
  get: () => SummaryState,
  set: (s: SummaryState) => void,
  lineCount: number,
  rows: number,
): void {
  const { state: wizard, dispatch, services, active } = props;
  useScreenInput(
    (input, key) => {
      const k = toKeyPress(input, key);
      if (k.kind === 'ctrl-c' || k.kind === 'none') return;
      const s = get();
      const r = summaryKey(s, k, lineCount, rows);
      if (!('kind' in r)) return set(r);
      if (r.kind === 'install') return dispatch({ type: 'submit' });
      if (r.kind === 'back') return dispatch({ type: 'back' });
      // save answers: hashing runs a command, so this is async; the field shows progress
      const save = s.save!;
      set({ ...s, save: { ...save, busy: true, status: { ok: true, text: 'saving...' } } });
      services.saveAnswers(toAnswers(wizard.values, wizard.hw), r.path).then(
        (written) =>
          set({
            ...get(),
            save: {
              ...save,
              busy: false,
              status: { ok: true, text: `saved to ${written} (password hashed)` },
            },
          }),
        (err: unknown) =>
          set({
            ...get(),
            save: {
              ...save,
              busy: false,
              status: { ok: false, text: err instanceof Error ? err.message : String(err) },
            },
          }),
      );
    },
    { isActive: active },
  );
}
