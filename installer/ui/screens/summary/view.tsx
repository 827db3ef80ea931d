import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { BACK, Frame, QUIT, type Hint } from '../../components/frame.tsx';
import { FieldValue } from '../../components/form/form.tsx';
import { useSyncState } from '../../components/use-sync-state.ts';
import { theme } from '../../theme.ts';
import { stepOf } from '../step.ts';
import type { ScreenProps } from '../types.ts';
import { useSummary } from './use-summary.ts';
import { initSummaryState, summaryLines, type Line } from './summary-state.ts';

const ROWS = 15;
const toneColor = (t: Line['tone']) =>
  t === 'warn' ? theme.warn : t === 'error' ? theme.error : t === 'muted' ? undefined : undefined;
const PATH_FIELD = { id: 'path', label: 'Path', kind: 'text' as const };

export function SummaryScreen(props: ScreenProps) {
  const { state: wizard, services } = props;
  const lines = useMemo(() => summaryLines(wizard), [wizard]);
  const [state, get, set] = useSyncState(initSummaryState);
  useSummary(props, get, set, lines.length, ROWS);
  const shown = lines.slice(state.scroll, state.scroll + ROWS);
  const more = lines.length - state.scroll - ROWS;
  const hints: Hint[] = state.save
    ? [
        { key: 'Enter', label: 'Save' },
        { key: 'Esc', label: 'Close' },
      ]
    : [
        { key: 'Enter', label: wizard.plan ? 'Install...' : '(fix first)' },
        { key: 's', label: 'Save answers' },
        { key: 'Up/Down', label: 'Scroll' },
        BACK,
        QUIT,
      ];
  return (
    <Frame title="Summary" step={stepOf('summary')} dryRun={services.dryRun} hints={hints}>
      {shown.map((l, i) => (
        <Text
          key={state.scroll + i}
          color={toneColor(l.tone)}
          bold={l.tone === 'bold' || l.tone === 'warn'}
          dimColor={l.tone === 'muted'}
        >
          {l.text}
        </Text>
      ))}
      <Text color={theme.muted}>
        {more > 0 ? `  ... ${more} more line${more === 1 ? '' : 's'} (Down/PgDn)` : ' '}
      </Text>
      {state.save ? (
        <Box flexDirection="column">
          <Box>
            <Text bold>{'Save answer file to '}</Text>
            <FieldValue
              field={PATH_FIELD}
              value={state.save.path.value}
              cursor={state.save.path.cursor}
              focused={!state.save.busy}
            />
          </Box>
          {state.save.status ? (
            <Text color={state.save.status.ok ? theme.ok : theme.error}>
              {state.save.status.text}
            </Text>
          ) : (
            <Text color={theme.muted}>
              Writes an answer.toml that reproduces this install (root password hashed).
            </Text>
          )}
        </Box>
      ) : (
        <Text>
          {wizard.plan ? (
            <>
              Nothing has been written yet. <Text bold>Enter</Text> continues to the final
              confirmation.
            </>
          ) : (
            <Text color={theme.error}>Go back (Esc) and change the answers above.</Text>
          )}
        </Text>
      )}
    </Frame>
  );
}
