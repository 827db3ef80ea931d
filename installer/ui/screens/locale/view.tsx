import { Box, Text } from 'ink';
import { useSyncState } from '../../components/use-sync-state.ts';
import { BACK, Frame, QUIT, type Hint } from '../../components/frame.tsx';
import { PickerList } from '../../components/picker/picker.tsx';
import { theme } from '../../theme.ts';
import { stepOf } from '../step.ts';
import type { ScreenProps } from '../types.ts';
import { useLocale } from './use-locale.ts';
import { choicesFor, initLocaleState, labelOf, LOCALE_FIELDS } from './locale-state.ts';

export function LocaleScreen({ state: wizard, dispatch, active, services }: ScreenProps) {
  const [state, get, set] = useSyncState(() => initLocaleState(wizard.values.locale));
  useLocale(get, set, dispatch, active);
  const hints: Hint[] = state.open
    ? [
        { key: 'type', label: 'Search' },
        { key: 'Up/Down', label: 'Move' },
        { key: 'Enter', label: 'Pick' },
        { key: 'Esc', label: 'Close list' },
      ]
    : [
        { key: 'Enter', label: 'Next' },
        { key: 'type', label: 'Search' },
        { key: 'Tab', label: 'Next field' },
        BACK,
        QUIT,
      ];
  return (
    <Frame
      title="Location and keyboard"
      step={stepOf('locale')}
      dryRun={services.dryRun}
      hints={hints}
    >
      <Text color={theme.muted}>
        Guessed from the environment; type on a field to search its list.
      </Text>
      <Text> </Text>
      {LOCALE_FIELDS.map((f) => {
        const focused = state.focus === f.id;
        return (
          <Box key={f.id} flexDirection="column">
            <Box>
              <Box width={16}>
                <Text bold={focused} color={focused ? theme.focus : theme.label}>
                  {f.label}
                </Text>
              </Box>
              <Text color={focused ? theme.focus : undefined} bold={focused}>
                {focused
                  ? `> ${labelOf(f.id, state.values[f.id])}`
                  : `  ${labelOf(f.id, state.values[f.id])}`}
              </Text>
            </Box>
            {focused && state.open ? (
              <PickerList choices={choicesFor(f.id)} state={state.open} rows={8} />
            ) : null}
            {wizard.errors[f.id] ? (
              <Text color={theme.error}>{`                ! ${wizard.errors[f.id]}`}</Text>
            ) : null}
          </Box>
        );
      })}
    </Frame>
  );
}
