import { Box, Text } from 'ink';
import { Frame, QUIT } from '../../components/frame.tsx';
import { theme } from '../../theme.ts';
import { stepOf } from '../step.ts';
import type { ScreenProps } from '../types.ts';
import { useWelcome } from './use-welcome.ts';

export function WelcomeScreen({ dispatch, active, services }: ScreenProps) {
  useWelcome(dispatch, active);
  return (
    <Frame
      title="Welcome"
      step={stepOf('welcome')}
      dryRun={services.dryRun}
      hints={[{ key: 'Enter', label: 'I agree, continue' }, QUIT]}
    >
      <Text bold color={theme.accent}>
        Welcome to openve
      </Text>
      <Text>This installs a KVM/LXC virtualization host onto this machine.</Text>
      <Text> </Text>
      <Text>You choose the target disk, location, administrator password, network and</Text>
      <Text>cluster; a summary shows everything before anything is written.</Text>
      <Text>
        <Text bold color={theme.warn}>
          The disk(s) you select are erased completely.
        </Text>
      </Text>
      <Text> </Text>
      <Box borderStyle={theme.border} flexDirection="column" paddingX={1}>
        <Text bold>License</Text>
        <Text>openve is free software: GNU Affero General Public License, version 3 or</Text>
        <Text>later (AGPL-3.0-or-later). It comes WITHOUT ANY WARRANTY, to the extent</Text>
        <Text>permitted by law. The installed system consists of Debian packages, each</Text>
        <Text>under its own free license (see /usr/share/doc/*/copyright).</Text>
      </Box>
      <Text> </Text>
      <Text>
        Press{' '}
        <Text bold color={theme.accent}>
          Enter
        </Text>{' '}
        to accept the license and start. Esc goes back on every
      </Text>
      <Text>screen until the final confirmation; Ctrl-C asks before leaving.</Text>
      {services.dryRun ? (
        <Text color={theme.warn}>Dry run: no disk is touched; the plan is printed at the end.</Text>
      ) : null}
    </Frame>
  );
}
