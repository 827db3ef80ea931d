// Graphs of a node's or guest's metrics (GET .../metrics?timeframe=hour|day|week); "no data yet"
// when the node does not keep metrics (yet).
import { Alert, SegmentedControl, SimpleGrid, Stack, Text } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import {
  GuestMetricsSchema,
  NodeMetricsSchema,
  type GuestMetrics,
  type NodeMetrics,
  type Timeframe,
} from '../../contracts/manager/views.ts';
import { ApiError, get } from './api.ts';
import { bytes } from './format.ts';
import { Graph, type Series } from './Graph.tsx';

const pct = (v: number) => `${(v * 100).toFixed(0)} %`;
const rate = (v: number) => `${bytes(v)}/s`;
const num = (v: number) => v.toFixed(2);

type Loaded<T> =
  | { state: 'loading' }
  | { state: 'none' }
  | { state: 'error'; message: string }
  | { state: 'ok'; data: T };

function useMetrics<T>(
  path: string,
  schema: typeof NodeMetricsSchema | typeof GuestMetricsSchema,
  tf: Timeframe,
): Loaded<T> {
  const [m, setM] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    let live = true;
    const load = () =>
      get(`${path}?timeframe=${tf}`, schema).then(
        (d) => live && setM({ state: d.points.length ? 'ok' : 'none', data: d as T } as Loaded<T>),
        (e: unknown) =>
          live &&
          setM(
            e instanceof ApiError && e.status === 404
              ? { state: 'none' }
              : { state: 'error', message: (e as Error).message },
          ),
      );
    void load();
    const timer = setInterval(load, tf === 'hour' ? 10_000 : 60_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [path, schema, tf]);
  return m;
}

function Frame({
  tf,
  setTf,
  children,
}: {
  tf: Timeframe;
  setTf(t: Timeframe): void;
  children: React.ReactNode;
}) {
  return (
    <Stack>
      <SegmentedControl
        aria-label="Time frame"
        value={tf}
        onChange={(v) => setTf(v as Timeframe)}
        data={[
          { value: 'hour', label: 'Hour' },
          { value: 'day', label: 'Day' },
          { value: 'week', label: 'Week' },
        ]}
        w="fit-content"
      />
      {children}
    </Stack>
  );
}

function Empty<T>({ m }: { m: Loaded<T> }) {
  if (m.state === 'loading') return <Text c="dimmed">Loading graphs...</Text>;
  if (m.state === 'error')
    return (
      <Alert color="red" role="alert" title="Graphs">
        {m.message}
      </Alert>
    );
  return (
    <Text c="dimmed">No data yet: the node has not recorded metrics for this time frame.</Text>
  );
}

export function NodeGraphs({ node }: { node: string }) {
  const [tf, setTf] = useState<Timeframe>('hour');
  const m = useMetrics<NodeMetrics>(
    `/nodes/${encodeURIComponent(node)}/metrics`,
    NodeMetricsSchema,
    tf,
  );
  const g = useMemo(() => {
    if (m.state !== 'ok') return null;
    const p = m.data.points;
    const s = (label: string, color: string, f: (x: (typeof p)[number]) => number): Series => ({
      label,
      color,
      values: p.map(f),
    });
    return {
      times: p.map((x) => x.time),
      cpu: [s('CPU', '#228be6', (x) => x.cpu)],
      mem: [s('used', '#40c057', (x) => x.memused), s('total', '#868e96', (x) => x.memtotal)],
      load: [s('load 1 min', '#fab005', (x) => x.load1)],
      net: [s('in', '#15aabf', (x) => x.netin), s('out', '#e64980', (x) => x.netout)],
      root: [s('used', '#7950f2', (x) => x.rootused), s('total', '#868e96', (x) => x.roottotal)],
    };
  }, [m]);
  return (
    <Frame tf={tf} setTf={setTf}>
      {g ? (
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Graph title="CPU usage" times={g.times} series={g.cpu} format={pct} />
          <Graph title="Memory" times={g.times} series={g.mem} format={bytes} />
          <Graph title="Load" times={g.times} series={g.load} format={num} />
          <Graph title="Network" times={g.times} series={g.net} format={rate} />
          <Graph title="Root file system" times={g.times} series={g.root} format={bytes} />
        </SimpleGrid>
      ) : (
        <Empty m={m} />
      )}
    </Frame>
  );
}

export function GuestGraphs({ node, kind, id }: { node: string; kind: 'vm' | 'ct'; id: number }) {
  const [tf, setTf] = useState<Timeframe>('hour');
  const m = useMetrics<GuestMetrics>(
    `/nodes/${encodeURIComponent(node)}/${kind}s/${id}/metrics`,
    GuestMetricsSchema,
    tf,
  );
  const g = useMemo(() => {
    if (m.state !== 'ok') return null;
    const p = m.data.points;
    const s = (label: string, color: string, f: (x: (typeof p)[number]) => number): Series => ({
      label,
      color,
      values: p.map(f),
    });
    return {
      times: p.map((x) => x.time),
      cpu: [s('CPU', '#228be6', (x) => x.cpu)],
      mem: [s('used', '#40c057', (x) => x.mem), s('max', '#868e96', (x) => x.maxmem)],
      net: [s('in', '#15aabf', (x) => x.netin), s('out', '#e64980', (x) => x.netout)],
      disk: [s('read', '#fd7e14', (x) => x.diskread), s('write', '#7950f2', (x) => x.diskwrite)],
    };
  }, [m]);
  return (
    <Frame tf={tf} setTf={setTf}>
      {g ? (
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Graph title="CPU usage" times={g.times} series={g.cpu} format={pct} />
          <Graph title="Memory" times={g.times} series={g.mem} format={bytes} />
          <Graph title="Network" times={g.times} series={g.net} format={rate} />
          <Graph title="Disk I/O" times={g.times} series={g.disk} format={rate} />
        </SimpleGrid>
      ) : (
        <Empty m={m} />
      )}
    </Frame>
  );
}
