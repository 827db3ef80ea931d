import { Text } from 'ink';
import { BACK, Frame, QUIT } from '../../components/frame.tsx';
import { FormView } from '../../components/form/form.tsx';
import { theme } from '../../theme.ts';
import { stepOf } from '../step.ts';
import type { ScreenProps } from '../types.ts';
import { useCluster } from './use-cluster.ts';

export function ClusterScreen(props: ScreenProps) {
  const { state, fields, errors } = useCluster(props);
  return (
    <Frame
      title="Cluster"
      step={stepOf('cluster')}
      dryRun={props.services.dryRun}
      hints={[
        { key: 'Enter', label: 'Next' },
        { key: '</>', label: 'Change' },
        { key: 'Tab', label: 'Next field' },
        BACK,
        QUIT,
      ]}
    >
      <Text>Nodes in a cluster share membership and quorum (corosync).</Text>
      <Text color={theme.muted}>
        This can also be done later on the node: pveca -c (create), pveca -a -h MASTER (join).
      </Text>
      <Text> </Text>
      <FormView fields={fields} state={state} errors={errors} />
    </Frame>
  );
}
