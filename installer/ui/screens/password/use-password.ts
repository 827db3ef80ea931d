import { useFormScreen } from '../../components/form/use-form-screen.ts';
import { validateValues } from '../../wizard/validate.ts';
import type { ScreenProps } from '../types.ts';
import { passwordFields, passwordForm, passwordValues } from './password-state.ts';

export function usePassword({ state, dispatch, active }: ScreenProps) {
  return useFormScreen({
    initial: passwordForm(state.values.password),
    fields: passwordFields,
    toValues: passwordValues,
    dispatch,
    errors: state.errors,
    active,
    validate: (v) => validateValues('password', { ...state.values, ...v }, state.hw),
  });
}
