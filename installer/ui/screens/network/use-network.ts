import { useMemo } from 'react';
import { useFormScreen } from '../../components/form/use-form-screen.ts';
import { validateValues } from '../../wizard/validate.ts';
import type { ScreenProps } from '../types.ts';
import { networkFields, networkForm, networkValues } from './network-state.ts';

export function useNetwork({ state, dispatch, active }: ScreenProps) {
  const fields = useMemo(() => networkFields(state.hw), [state.hw]);
  return useFormScreen({
    initial: networkForm(state.values.network),
    fields,
    toValues: networkValues,
    dispatch,
    errors: state.errors,
    active,
    validate: (v) => validateValues('network', { ...state.values, ...v }, state.hw),
  });
}
