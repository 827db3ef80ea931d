import { Box, Text } from 'ink';
import { BACK, Frame, QUIT } from '../../components/frame.tsx';
import { FieldValue } from '../../components/form/form.tsx';
import { useSyncState } from '../../components/use-sync-state.ts';
import { clip } from '../../format.ts';
import { theme } from '../../theme.ts';
import { stepOf } from '../step.ts';
import type { ScreenProps } from '../types.ts';
import { useSsh } from './use-ssh.ts';
import { describeKey, initSshState } from './ssh-state.ts';

const FIELD = {
  id: 'key',
  label: 'Key',
  kind: 'text' as const,
  placeholder: 'paste an OpenSSH public key (optional)',
};

export function SshScreen({ state: wizard, dispatch, active, services }: ScreenProps) {
  const [state, get, set] = useSyncState(() => initSshState(wizard.values.ssh.keys));
  useSsh(get, set, dispatch, active);
  const onInput = state.focus === 'input';
  return (
    <Frame
      title="SSH keys"
      step={stepOf('ssh')}
      dryRun={services.dryRun}
      hints={
        onInput
          ? [
              { key: 'Enter', label: state.input.value ? 'Add key' : 'Next' },
              { key: 'Down', label: 'Key list' },
              BACK,
              QUIT,
            ]
          : [
              { key: 'Enter', label: 'Next' },
              { key: 'd', label: 'Remove key' },
              { key: 'Up', label: 'Field' },
              BACK,
              QUIT,
            ]
      }
    >
      <Text>Public keys allowed to log in as root (optional). Paste one per line;</Text>
      <Text>leave the field empty and press Enter to continue.</Text>
      <Text> </Text>
      <Box>
        <Box width={6}>
          <Text bold color={onInput ? theme.focus : undefined}>
            Key
          </Text>
        </Box>
        <FieldValue
          field={FIELD}
          value={state.input.value}
          cursor={state.input.cursor}
          focused={onInput}
        />
      </Box>
      {state.error ? <Text color={theme.error}>{`      ! ${state.error}`}</Text> : null}
      {wizard.errors && Object.values(wizard.errors)[0] ? (
        <Text color={theme.error}>{`! ${Object.values(wizard.errors)[0]}`}</Text>
      ) : null}
      <Text> </Text>
      <Text bold>{`Authorized keys (${state.keys.length})`}</Text>
      {state.keys.length === 0 ? (
        <Text color={theme.muted}> none: root logs in with the password</Text>
      ) : null}
      {state.keys.slice(0, 10).map((k, i) => (
        <Text key={k} color={state.focus === i ? theme.focus : undefined} bold={state.focus === i}>
          {clip(`${state.focus === i ? '>' : ' '} ${i + 1}. ${describeKey(k)}`, theme.inner)}
        </Text>
      ))}
    </Frame>
  );
}
