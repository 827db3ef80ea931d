import { Box, Text } from 'ink';
import { Frame, QUIT } from '../../components/frame.tsx';
import { ProgressBar } from '../../components/progress-bar.tsx';
import { clip, formatElapsed } from '../../format.ts';
import { theme } from '../../theme.ts';
import type { ScreenProps } from '../types.ts';
import { useElapsed } from './use-progress.ts';

export function ProgressScreen({ state: wizard, services }: ScreenProps) {
  const p = wizard.progress;
  const elapsed = useElapsed(p.startedAt, !p.finished, services.now);
  // steps beside another (concurrentWith) are told through that one: count the others
  const leads = wizard.plan?.steps.filter((s) => !s.concurrentWith) ?? [];
  const step = leads.find((s) => s.id === p.step);
  const index = step ? leads.indexOf(step) + 1 : 0;
  return (
    <Frame title="Installing" dryRun={services.dryRun} hints={[QUIT]}>
      <Text
        bold
      >{`Installing openve on ${wizard.plan?.summary.disks.map((d) => d.path).join(', ') ?? '?'}${services.dryRun ? ' (simulated)' : ''}`}</Text>
      <Text> </Text>
      <ProgressBar ratio={p.ratio} width={66} />
      <Text> </Text>
      <Box>
        <Box width={10}>
          <Text bold>Step</Text>
        </Box>
        <Text>
          {clip(
            step ? `${index}/${leads.length}  ${step.title}` : p.text || 'starting...',
            theme.inner - 10,
          )}
        </Text>
      </Box>
      <Box>
        <Box width={10}>
          <Text bold>Elapsed</Text>
        </Box>
        <Text>{formatElapsed(elapsed)}</Text>
      </Box>
      <Text> </Text>
      <Text bold>Log</Text>
      <Box flexDirection="column" borderStyle={theme.border} paddingX={1} height={8}>
        {p.log.map((line, i) => (
          <Text
            key={i}
            color={
              line.startsWith('error')
                ? theme.error
                : line.startsWith('warning')
                  ? theme.warn
                  : theme.muted
            }
          >
            {clip(line.split('\n')[0] ?? '', theme.inner - 4)}
          </Text>
        ))}
      </Box>
      <Text color={theme.muted}>{`Full log: ${services.logPath}`}</Text>
    </Frame>
  );
}
