import { Box, Text } from 'ink';
import { BACK, Frame, QUIT } from '../../components/frame.tsx';
import { FieldValue } from '../../components/form/form.tsx';
import { textAt } from '../../components/text-edit.ts';
import { useSyncState } from '../../components/use-sync-state.ts';
import { wrapText } from '../../format.ts';
import { diskText } from '../summary/summary-state.ts';
import { theme } from '../../theme.ts';
import { hostnameToType } from '../../wizard/state.ts';
import { stepOf } from '../step.ts';
import type { ScreenProps } from '../types.ts';
import { useConfirm } from './use-confirm.ts';

const FIELD = { id: 'typed', label: '', kind: 'text' as const };

export function ConfirmScreen(props: ScreenProps) {
  const { state: wizard, services } = props;
  const [state, get, set] = useSyncState(() => textAt(''));
  useConfirm(props, get, set);
  const host = hostnameToType(wizard);
  const disks = wizard.plan?.summary.disks ?? [];
  return (
    <Frame
      title="Confirm"
      step={stepOf('confirm')}
      dryRun={services.dryRun}
      hints={[{ key: 'Enter', label: 'Erase and install' }, BACK, QUIT]}
    >
      <Text bold color={theme.error}>
        {services.dryRun
          ? 'LAST STEP BEFORE THE (SIMULATED) INSTALL'
          : 'LAST CHANCE: THE FOLLOWING DISKS WILL BE ERASED'}
      </Text>
      <Text> </Text>
      <Box flexDirection="column" borderStyle={theme.border} borderColor={theme.error} paddingX={1}>
        {disks.slice(0, 6).flatMap((d) =>
          wrapText(diskText(d), theme.inner - 4).map((line, i) => (
            <Text key={`${d.path}${i}`} bold>
              {i ? `    ${line}` : line}
            </Text>
          )),
        )}
        {disks.length > 6 ? (
          <Text>{`... and ${disks.length - 6} more: ${disks
            .slice(6)
            .map((d) => d.path)
            .join(', ')}`}</Text>
        ) : null}
      </Box>
      <Text>
        Every partition and file on{' '}
        {disks.length === 1 ? 'this disk' : `these ${disks.length} disks`} is destroyed.
      </Text>
      {services.dryRun ? (
        <Text color={theme.warn}>Dry run: nothing is written; the steps are simulated.</Text>
      ) : null}
      <Text> </Text>
      <Text>
        To go ahead, type the host name <Text bold inverse>{` ${host} `}</Text> and press Enter:
      </Text>
      <Box>
        <Text>{'  '}</Text>
        <FieldValue field={FIELD} value={state.value} cursor={state.cursor} focused />
      </Box>
      {wizard.confirmError ? <Text color={theme.error}>{`! ${wizard.confirmError}`}</Text> : null}
    </Frame>
  );
}
