import { Box, Text } from 'ink';
import { Frame, QUIT } from '../../components/frame.tsx';
import { ProgressBar } from '../../components/progress-bar.tsx';
import { clip } from '../../format.ts';
import { theme } from '../../theme.ts';
import type { ScreenProps } from '../types.ts';
import { useDone } from './use-done.ts';
import { doneInfo } from './done-state.ts';

export function DoneScreen({ state: wizard, dispatch, active, services }: ScreenProps) {
  useDone(dispatch, active);
  const info = doneInfo(wizard, services.dryRun, services.logPath);
  const enter = info.ok ? (services.dryRun ? 'Exit and print the plan' : 'Reboot') : 'Exit';
  return (
    <Frame
      title={info.ok ? 'Finished' : 'Failed'}
      dryRun={services.dryRun}
      hints={[{ key: 'Enter', label: enter }, QUIT]}
    >
      <ProgressBar ratio={wizard.progress.ratio} width={66} />
      <Text> </Text>
      <Text bold color={info.ok ? theme.ok : theme.error}>
        {info.headline}
      </Text>
      {info.failedStep ? (
        <>
          <Text>
            <Text bold>Failing step: </Text>
            {info.failedStep}
          </Text>
          <Box
            flexDirection="column"
            borderStyle={theme.border}
            borderColor={theme.error}
            paddingX={1}
          >
            {info.output!.map((l, i) => (
              <Text key={i}>{l}</Text>
            ))}
          </Box>
        </>
      ) : (
        <Text> </Text>
      )}
      {info.lines.map((l, i) => (
        <Text key={i}>{clip(l, theme.inner) || ' '}</Text>
      ))}
    </Frame>
  );
}
