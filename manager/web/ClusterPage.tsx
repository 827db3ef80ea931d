// The cluster's page: its nodes and guest counts.
import { Anchor, Badge, Table, Title, Text, Stack } from '@mantine/core';
import { useCluster } from './store.tsx';
import { hrefOf } from './route.ts';
import { bytes } from './format.ts';

export function ClusterPage() {
  const c = useCluster();
  return (
    <Stack>
      <Title order={2}>Cluster</Title>
      {!c.loaded ? (
        <Text>Loading...</Text>
      ) : (
        <Table.ScrollContainer minWidth={480}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Node</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Virtualization</Table.Th>
                <Table.Th>Memory</Table.Th>
                <Table.Th>Guests</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {c.nodes.map((n) => (
                <Table.Tr key={n.node}>
                  <Table.Td>
                    <Anchor href={hrefOf({ page: 'node', node: n.node })}>{n.node}</Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={n.status === 'online' ? 'green' : 'red'}>{n.status}</Badge>
                  </Table.Td>
                  <Table.Td>{n.kvm ? 'KVM' : 'TCG (no KVM)'}</Table.Td>
                  <Table.Td>{bytes(n.memory.total)}</Table.Td>
                  <Table.Td>{c.guests[n.node]?.length ?? 0}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
