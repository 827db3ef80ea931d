// Ctrl-C never leaves at once: this asks, and says what leaving means at this point.
import { Box, Text } from 'ink';
import { theme } from '../theme.ts';

export function QuitPrompt({ installing }: { installing: boolean }) {
  return (
    <Box
      borderStyle={theme.border}
      borderColor={theme.warn}
      flexDirection="column"
      paddingX={1}
      width={theme.width}
    >
      <Text bold color={theme.warn}>
        Quit the installer?
      </Text>
      <Text>
        {installing
          ? 'The installation is running: quitting now leaves the target disk half-written.'
          : 'Nothing has been written to any disk yet.'}
      </Text>
      <Text>
        Press <Text bold>y</Text> to quit, <Text bold>n</Text> or <Text bold>Esc</Text> to continue.
      </Text>
    </Box>
  );
}
