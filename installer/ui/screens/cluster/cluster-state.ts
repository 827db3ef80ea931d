// Cluster screen: stand-alone, create a new cluster, or join one (master IP, token, fingerprint).
import type { FieldSpec } from '../../components/form/form-state.ts';
import type { ClusterValues, WizardValues } from '../../wizard/values.ts';

export function clusterFields(values: Record<string, string>): FieldSpec[] {
  const fields: FieldSpec[] = [
    {
      id: 'mode',
      label: 'Cluster',
      kind: 'choice',
      options: [
        { value: 'none', label: 'none (stand-alone node)' },
        { value: 'create', label: 'create a new cluster' },
        { value: 'join', label: 'join an existing cluster' },
      ],
      hint: 'Left/Right to change; formed or joined at first boot',
    },
  ];
  if (values.mode === 'create')
    fields.push({
      id: 'name',
      label: 'Cluster name',
      kind: 'text',
      placeholder: 'e.g. openve-lab',
      hint: '1-15 letters, digits or -',
      maxLength: 15,
    });
  if (values.mode === 'join')
    fields.push(
      {
        id: 'master',
        label: 'Master IP',
        kind: 'text',
        placeholder: 'e.g. 192.168.1.10',
        maxLength: 64,
      },
      {
        id: 'token',
        label: 'Join token',
        kind: 'password',
        hint: 'printed by `pveca -c` on the master',
        maxLength: 512,
      },
      {
        id: 'fingerprint',
        label: 'Fingerprint',
        kind: 'text',
        placeholder: 'optional SHA-256 of the master certificate',
        maxLength: 128,
      },
    );
  return fields;
}

export const clusterForm = (v: ClusterValues): Record<string, string> => ({ ...v });

export const clusterValues = (f: Record<string, string>): Partial<WizardValues> => ({
  cluster: {
    mode: f.mode === 'create' || f.mode === 'join' ? f.mode : 'none',
    name: (f.name ?? '').trim(),
    master: (f.master ?? '').trim(),
    token: (f.token ?? '').trim(),
    fingerprint: (f.fingerprint ?? '').trim(),
  },
});
