// Glue for a form screen: local form state (sync-readable), Enter submits the mapped values to
// the wizard, Esc goes back keeping them, and a refused submit puts the cursor on the first error.
import { useRef } from 'react';
import type { KeyPress } from '../../keys.ts';
import type { WizardAction } from '../../wizard/state.ts';
import type { WizardValues } from '../../wizard/values.ts';
import { useSyncState } from '../use-sync-state.ts';
import { useFormInput } from './use-form.ts';
import { focusField, formKey, initForm, type FieldSpec, type FormState } from './form-state.ts';

export interface FormScreenOptions {
  initial: Record<string, string>;
  fields: (values: Record<string, string>) => FieldSpec[];
  toValues: (values: Record<string, string>) => Partial<WizardValues>;
  dispatch: (a: WizardAction) => void;
  errors: Record<string, string>;
  active: boolean;
  /** keys the screen handles itself before the form (return true when consumed) */
  intercept?: (key: KeyPress, state: FormState) => boolean;
  /** the wizard's check for these values, run live for inline messages */
  validate?: (values: Partial<WizardValues>) => Record<string, string>;
}

/**
 * Messages to show now: after a refused submit, every field's current problem (so fixing a field
 * clears its message at once); before that, only fields the user changed and then left.
 */
export function inlineErrors(
  live: Record<string, string>,
  state: FormState,
  initial: Record<string, string>,
  submitted: boolean,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(live).filter(
      ([id]) =>
        submitted || (id !== state.focus && (state.values[id] ?? '') !== (initial[id] ?? '')),
    ),
  );
}

export function useFormScreen(o: FormScreenOptions): {
  state: FormState;
  fields: FieldSpec[];
  errors: Record<string, string>;
} {
  const [state, get, set] = useSyncState(() => initForm(o.initial, o.fields(o.initial)));
  const initial = useRef(o.initial).current;
  const submitted = useRef(false);
  if (Object.keys(o.errors).length > 0) submitted.current = true;
  const fields = o.fields(state.values);
  const live = o.validate ? o.validate(o.toValues(state.values)) : o.errors;
  const errors = inlineErrors(live, state, initial, submitted.current);
  useFormInput({
    isActive: o.active,
    onSubmit: () => {
      // a refused submit puts the cursor on the first problem, right away (not in an effect that
      // could run after the next key and pull the cursor back)
      const values = o.toValues(get().values);
      const problems = o.validate?.(values) ?? {};
      const first = o.fields(get().values).find((f) => problems[f.id]);
      if (first) set(focusField(get(), first.id));
      o.dispatch({ type: 'submit', values });
    },
    onBack: () => o.dispatch({ type: 'back', values: o.toValues(get().values) }),
    onKey: (key) => {
      const s = get();
      if (o.intercept?.(key, s)) return;
      set(formKey(s, o.fields(s.values), key));
    },
  });
  return { state, fields, errors };
}
