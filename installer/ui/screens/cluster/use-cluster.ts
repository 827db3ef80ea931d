import { useFormScreen } from '../../components/form/use-form-screen.ts';
import { validateValues } from '../../wizard/validate.ts';
import type { ScreenProps } from '../types.ts';
import { clusterFields, clusterForm, clusterValues } from './cluster-state.ts';

export function useCluster({ state, dispatch, active }: ScreenProps) {
  return useFormScreen({
    initial: clusterForm(state.values.cluster),
    fields: clusterFields,
    toValues: clusterValues,
    dispatch,
    errors: state.errors,
    active,
    validate: (v) => validateValues('cluster', { ...state.values, ...v }, state.hw),
  });
}
