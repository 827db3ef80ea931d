// Form view: one row per field (label, value with cursor), the error under the field it concerns.
import { Box, Text } from 'ink';
import { theme } from '../../theme.ts';
import type { FieldSpec, FormState } from './form-state.ts';

const LABEL_WIDTH = 16;
const VALUE_WIDTH = 56;

export function FieldValue({
  field,
  value,
  focused,
  cursor,
}: {
  field: FieldSpec;
  value: string;
  focused: boolean;
  cursor: number;
}) {
  if (field.kind === 'choice') {
    const label = field.options?.find((o) => o.value === value)?.label ?? value;
    return focused ? (
      <Text color={theme.focus} bold>{`< ${label} >`}</Text>
    ) : (
      <Text>{`  ${label}`}</Text>
    );
  }
  const shown = field.kind === 'password' ? '*'.repeat(value.length) : value;
  if (!focused) {
    return shown ? (
      <Text>{` ${shown.length > VALUE_WIDTH ? shown.slice(0, VALUE_WIDTH - 3) + '...' : shown}`}</Text>
    ) : (
      <Text color={theme.muted}>{` ${field.placeholder ?? ''}`}</Text>
    );
  }
  // keep the cursor visible in long values (SSH keys): show a window around it
  const start = Math.max(0, cursor - (VALUE_WIDTH - 2));
  const view = shown.slice(start, start + VALUE_WIDTH - 1);
  const at = cursor - start;
  return (
    <Text>
      <Text color={theme.focus}>{'>'}</Text>
      <Text color={theme.focus}>{view.slice(0, at)}</Text>
      <Text inverse>{view[at] ?? ' '}</Text>
      <Text color={theme.focus}>{view.slice(at + 1)}</Text>
    </Text>
  );
}

export function FormView({
  fields,
  state,
  errors,
}: {
  fields: FieldSpec[];
  state: FormState;
  errors: Record<string, string>;
}) {
  return (
    <Box flexDirection="column">
      {fields.map((f) => {
        const focused = state.focus === f.id;
        const error = errors[f.id];
        return (
          <Box key={f.id} flexDirection="column">
            <Box>
              <Box width={LABEL_WIDTH}>
                <Text color={focused ? theme.focus : theme.label} bold={focused}>
                  {f.label}
                </Text>
              </Box>
              <FieldValue
                field={f}
                value={state.values[f.id] ?? ''}
                focused={focused}
                cursor={state.cursor}
              />
            </Box>
            {error ? (
              <Box marginLeft={LABEL_WIDTH}>
                <Text color={theme.error}>{`! ${error}`}</Text>
              </Box>
            ) : focused && f.hint ? (
              <Box marginLeft={LABEL_WIDTH}>
                <Text color={theme.muted}>{f.hint}</Text>
              </Box>
            ) : null}
          </Box>
        );
      })}
    </Box>
  );
}
