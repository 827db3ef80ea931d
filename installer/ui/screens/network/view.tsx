import { Text } from 'ink';
import { BACK, Frame, QUIT } from '../../components/frame.tsx';
import { FormView } from '../../components/form/form.tsx';
import { theme } from '../../theme.ts';
import { stepOf } from '../step.ts';
import type { ScreenProps } from '../types.ts';
import { useNetwork } from './use-network.ts';

export function NetworkScreen(props: ScreenProps) {
  const { state, fields, errors } = useNetwork(props);
  const lease = props.state.lease;
  return (
    <Frame
      title="Network"
      step={stepOf('network')}
      dryRun={props.services.dryRun}
      hints={[
        { key: 'Enter', label: 'Next' },
        { key: 'Tab', label: 'Next field' },
        { key: '</>', label: 'Change' },
        BACK,
        QUIT,
      ]}
    >
      <Text>The management network: bridge vmbr0 on this interface.</Text>
      <Text color={theme.muted}>
        {lease
          ? `Prefilled from the DHCP lease on ${lease.nic} (${lease.cidr}).`
          : 'No DHCP lease found: enter a static address, or use DHCP.'}
      </Text>
      <Text> </Text>
      <FormView fields={fields} state={state} errors={errors} />
    </Frame>
  );
}
