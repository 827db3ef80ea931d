// The open list of a searchable field: the query, then a window of matches around the highlight.
import { Box, Text } from 'ink';
import type { Choice } from '../../data/keyboards.ts';
import { clip } from '../../format.ts';
import { theme } from '../../theme.ts';
import { filterChoices, type PickerState } from './picker-state.ts';

export function PickerList({
  choices,
  state,
  rows = 8,
}: {
  choices: readonly Choice[];
  state: PickerState;
  rows?: number;
}) {
  const matches = filterChoices(choices, state.query);
  const start = Math.max(
    0,
    Math.min(state.highlight - Math.floor(rows / 2), matches.length - rows),
  );
  const shown = matches.slice(start, start + rows);
  return (
    <Box flexDirection="column" borderStyle={theme.border} borderColor={theme.focus} paddingX={1}>
      <Text>
        <Text color={theme.muted}>Search: </Text>
        <Text color={theme.focus}>{state.query}</Text>
        <Text inverse> </Text>
        <Text
          color={theme.muted}
        >{`  ${matches.length} match${matches.length === 1 ? '' : 'es'}`}</Text>
      </Text>
      {shown.length === 0 ? (
        <Text color={theme.warn}>no match - Backspace to edit the search</Text>
      ) : null}
      {shown.map((c, i) => {
        const on = start + i === state.highlight;
        return (
          <Text key={c.value} color={on ? theme.focus : undefined} bold={on}>
            {on ? '> ' : '  '}
            {clip(c.label, theme.inner - 6)}
          </Text>
        );
      })}
    </Box>
  );
}
