// A node: summary (CPU, memory, load, KVM or TCG), graphs, storages, create buttons.
import {
  Alert,
  Badge,
  Button,
  Group,
  Paper,
  Progress,
  SimpleGrid,
  Stack,
  Tabs,
  Text,
  Title,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { NodeStatusSchema, type NodeStatus } from '../../contracts/manager/views.ts';
import { get } from './api.ts';
import { bytes, duration } from './format.ts';
import { hrefOf } from './route.ts';
import { NodeGraphs } from './Metrics.tsx';
import { StoragePanel } from './Storage.tsx';

export function Stat({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Paper withBorder p="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <div>{children}</div>
    </Paper>
  );
}

export function NodePage({ node, tab }: { node: string; tab?: string }) {
  const [st, setSt] = useState<NodeStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      get(`/nodes/${encodeURIComponent(node)}`, NodeStatusSchema).then(
        (s) => live && (setSt(s), setError(null)),
        (e: Error) => live && setError(e.message),
      );
    void load();
    const timer = setInterval(load, 5000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [node]);
  const used = st ? st.memory.total - st.memory.free : 0;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Node {node}</Title>
        {/* on wider screens the header has them */}
        <Group gap="xs" hiddenFrom="sm">
          <Button component="a" href={hrefOf({ page: 'create', node, kind: 'vm' })}>
            Create VM
          </Button>
          <Button component="a" href={hrefOf({ page: 'create', node, kind: 'ct' })}>
            Create CT
          </Button>
        </Group>
      </Group>
      {error && (
        <Alert color="red" role="alert">
          {error}
        </Alert>
      )}
      <Tabs
        value={tab ?? 'summary'}
        onChange={(v) => (location.hash = hrefOf({ page: 'node', node, tab: v ?? 'summary' }))}
        keepMounted={false}
      >
        <Tabs.List>
          <Tabs.Tab value="summary">Summary</Tabs.Tab>
          <Tabs.Tab value="storage">Storage</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="summary" pt="md">
          <Stack>
            {st && (
              <SimpleGrid cols={{ base: 2, md: 4 }} spacing="xs">
                <Stat label="Virtualization">
                  <Badge
                    color={st.kvm ? 'green' : 'yellow'}
                    size="lg"
                    mt={4}
                    data-testid="virtualization"
                  >
                    {st.kvm ? 'KVM' : 'TCG (no KVM)'}
                  </Badge>
                  <Text size="sm" c="dimmed">
                    {st.kvm ? 'hardware virtualization' : 'emulated: guests run slowly'}
                  </Text>
                </Stat>
                <Stat label="CPU">
                  <Text>{st.cpus} CPUs</Text>
                  <Text size="sm" c="dimmed">
                    load {st.load.map((l) => l.toFixed(2)).join(' / ')}
                  </Text>
                </Stat>
                <Stat label="Memory">
                  <Text>
                    {bytes(used)} of {bytes(st.memory.total)}
                  </Text>
                  <Progress
                    value={(used / st.memory.total) * 100}
                    aria-label="memory used"
                    mt={4}
                  />
                </Stat>
                <Stat label="System">
                  <Text size="sm">kernel {st.kernel}</Text>
                  <Text size="sm" c="dimmed">
                    up {duration(st.uptime)}, cgroup {st.cgroup}
                  </Text>
                </Stat>
              </SimpleGrid>
            )}
            <NodeGraphs node={node} />
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="storage" pt="md">
          <StoragePanel node={node} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
