import { Text } from 'ink';
import { BACK, Frame, QUIT } from '../../components/frame.tsx';
import { FormView } from '../../components/form/form.tsx';
import { theme } from '../../theme.ts';
import { passwordStrength } from '../../wizard/checks.ts';
import { stepOf } from '../step.ts';
import type { ScreenProps } from '../types.ts';
import { usePassword } from './use-password.ts';

const strengthColor = {
  'too short': theme.error,
  weak: theme.warn,
  fair: theme.accent,
  strong: theme.ok,
} as const;

export function PasswordScreen(props: ScreenProps) {
  const { state, fields, errors } = usePassword(props);
  const pw = state.values.password ?? '';
  const strength = passwordStrength(pw);
  const confirm = state.values.confirm ?? '';
  return (
    <Frame
      title="Administrator"
      step={stepOf('password')}
      dryRun={props.services.dryRun}
      hints={[{ key: 'Enter', label: 'Next' }, { key: 'Tab', label: 'Next field' }, BACK, QUIT]}
    >
      <Text>The root password (console and SSH) and the administrator's e-mail.</Text>
      <Text> </Text>
      <FormView fields={fields} state={state} errors={errors} />
      <Text> </Text>
      <Text>
        {'Strength        '}
        <Text color={strengthColor[strength.label]}>
          {pw ? `${'#'.repeat(strength.score + 1).padEnd(5, '.')} ${strength.label}` : '-'}
        </Text>
        {pw && confirm ? (
          <Text color={confirm === pw ? theme.ok : theme.warn}>
            {confirm === pw ? '   passwords match' : '   passwords differ'}
          </Text>
        ) : null}
      </Text>
      <Text color={theme.muted}>
        Long passphrases beat short complex ones. Only a hash is stored on the node.
      </Text>
    </Frame>
  );
}
