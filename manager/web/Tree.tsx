// The resource tree: cluster -> nodes -> VMs and containers with their state, and a filter.
import { NavLink, ScrollArea, TextInput, Text, Tooltip } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useCluster } from './store.tsx';
import { hrefOf, type Route } from './route.ts';
import { stateColor } from './format.ts';
import type { GuestView } from '../../contracts/manager/views.ts';

function Dot({ state }: { state: string }) {
  return (
    <span
      className="state-dot"
      style={{ background: `var(--mantine-color-${stateColor(state)}-6)` }}
      aria-hidden="true"
    />
  );
}

export function matches(g: GuestView, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  if (!f) return true;
  return (
    String(g.id).includes(f) ||
    g.name.toLowerCase().includes(f) ||
    g.state.toLowerCase().includes(f) ||
    (f === 'vm' && g.kind === 'vm') ||
    (f === 'ct' && g.kind === 'ct')
  );
}

export function ResourceTree({ route }: { route: Route }) {
  const c = useCluster();
  const [filter, setFilter] = useState('');
  const selNode = route.page === 'cluster' ? null : route.node;
  const ready = c.nodes.length > 0;
  // measured by the browser tests: login -> an interactive tree
  useEffect(() => {
    if (ready) performance.mark('openve-tree-ready');
  }, [ready]);
  return (
    <>
      <TextInput
        placeholder="Filter: id, name, state"
        aria-label="Filter guests"
        value={filter}
        onChange={(e) => setFilter(e.currentTarget.value)}
        mb="xs"
      />
      <ScrollArea style={{ flex: 1 }}>
        <nav aria-label="Resource tree">
          <NavLink
            href={hrefOf({ page: 'cluster' })}
            label="Datacenter"
            active={route.page === 'cluster'}
            aria-current={route.page === 'cluster' ? 'page' : undefined}
          />
          {c.nodes.map((n) => {
            const list = (c.guests[n.node] ?? []).filter((g) => matches(g, filter));
            const nodeHere = route.page === 'node' && route.node === n.node;
            return (
              <div key={n.node} role="group" aria-label={`Node ${n.node}`}>
                <NavLink
                  href={hrefOf({ page: 'node', node: n.node })}
                  label={n.node}
                  description={n.kvm ? 'KVM' : 'TCG (no KVM)'}
                  leftSection={<Dot state={n.status === 'online' ? 'running' : 'missing'} />}
                  active={nodeHere}
                  aria-current={nodeHere ? 'page' : undefined}
                  pl="lg"
                />
                {list.length === 0 && (
                  <Text size="xs" c="dimmed" pl={44} py={4}>
                    {filter ? 'no guest matches' : 'no guests yet'}
                  </Text>
                )}
                {list.map((g) => {
                  const here =
                    route.page === 'guest' &&
                    route.node === n.node &&
                    route.kind === g.kind &&
                    route.id === g.id;
                  return (
                    <NavLink
                      key={`${g.kind}${g.id}`}
                      href={hrefOf({ page: 'guest', node: n.node, kind: g.kind, id: g.id })}
                      label={`${g.id} (${g.name})`}
                      aria-label={`${g.kind === 'vm' ? 'VM' : 'Container'} ${g.id} ${g.name}, ${g.state}`}
                      leftSection={
                        <Tooltip label={g.state}>
                          <span style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }}>
                            <Dot state={g.state} />
                            <Text size="xs" c="dimmed" component="span">
                              {g.kind === 'vm' ? 'VM' : 'CT'}
                            </Text>
                          </span>
                        </Tooltip>
                      }
                      active={here}
                      aria-current={here ? 'page' : undefined}
                      data-state={g.state}
                      data-guest={`${g.kind}-${g.id}`}
                      pl={40}
                    />
                  );
                })}
              </div>
            );
          })}
        </nav>
      </ScrollArea>
      {selNode === null && c.nodes.length === 0 && c.loaded && (
        <Text size="sm" c="dimmed">
          No node answers.
        </Text>
      )}
    </>
  );
}
