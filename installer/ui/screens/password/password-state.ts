// Administrator screen: root password twice (masked) and the e-mail address for notifications.
import type { FieldSpec } from '../../components/form/form-state.ts';
import type { PasswordValues, WizardValues } from '../../wizard/values.ts';

export const passwordFields = (): FieldSpec[] => [
  { id: 'password', label: 'Root password', kind: 'password', hint: 'at least 8 characters' },
  { id: 'confirm', label: 'Confirm', kind: 'password', hint: 'the same password again' },
  { id: 'mailto', label: 'E-mail', kind: 'text', hint: 'where the node sends notifications' },
];

export const passwordForm = (v: PasswordValues): Record<string, string> => ({ ...v });

export const passwordValues = (f: Record<string, string>): Partial<WizardValues> => ({
  password: { password: f.password ?? '', confirm: f.confirm ?? '', mailto: f.mailto ?? '' },
});
