// Graphs of a node's or guest's metrics (GET .../metrics?timeframe=hour|day|week): one component
// for both, driven by a list of graphs; "collecting data" until the second point (a graph needs
// two), "no data" when the node keeps no metrics.
import { Alert, SegmentedControl, SimpleGrid, Stack, Text } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import type { z } from 'zod';
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
type NodeMetricPoint = NodeMetrics['points'][number];
type GuestMetricPoint = GuestMetrics['points'][number];

export interface GraphSpec<P> {
  title: string;
  format(v: number): string;
  series: [label: string, color: string, value: (p: P) => number][];
}

export const NODE_GRAPHS: GraphSpec<NodeMetricPoint>[] = [
  { title: 'CPU usage', format: pct, series: [['CPU', '#228be6', (p) => p.cpu]] },
  {
    title: 'Memory',
    format: bytes,
    series: [
      ['used', '#40c057', (p) => p.memused],
      ['total', '#868e96', (p) => p.memtotal],
    ],
  },
  { title: 'Load', format: num, series: [['load 1 min', '#fab005', (p) => p.load1]] },
  {
    title: 'Network',
    format: rate,
    series: [
      ['in', '#15aabf', (p) => p.netin],
      ['out', '#e64980', (p) => p.netout],
    ],
  },
  {
    title: 'Root file system',
    format: bytes,
    series: [
      ['used', '#7950f2', (p) => p.rootused],
      ['total', '#868e96', (p) => p.roottotal],
    ],
  },
];

export const GUEST_GRAPHS: GraphSpec<GuestMetricPoint>[] = [
  { title: 'CPU usage', format: pct, series: [['CPU', '#228be6', (p) => p.cpu]] },
  {
    title: 'Memory',
    format: bytes,
    series: [
      ['used', '#40c057', (p) => p.mem],
      ['max', '#868e96', (p) => p.maxmem],
    ],
  },
  {
    title: 'Network',
    format: rate,
    series: [
      ['in', '#15aabf', (p) => p.netin],
      ['out', '#e64980', (p) => p.netout],
    ],
  },
  {
    title: 'Disk I/O',
    format: rate,
    series: [
      ['read', '#fd7e14', (p) => p.diskread],
      ['write', '#7950f2', (p) => p.diskwrite],
    ],
  },
];

type Loaded<P> =
  | { state: 'loading' }
  | { state: 'none' }
  | { state: 'collecting'; step: number }
  | { state: 'error'; message: string }
  | { state: 'ok'; points: P[] };

type MetricsSchema<P> = z.ZodType<{ step: number; points: P[] }>;

function useMetrics<P>(path: string, schema: MetricsSchema<P>, tf: Timeframe): Loaded<P> {
  const [m, setM] = useState<Loaded<P>>({ state: 'loading' });
  const collecting = m.state === 'collecting' || m.state === 'loading';
  useEffect(() => {
    let live = true;
    const load = () =>
      get(`${path}?timeframe=${tf}`, schema).then(
        (d) =>
          live &&
          setM(
            d.points.length >= 2
              ? { state: 'ok', points: d.points }
              : { state: 'collecting', step: d.step },
          ),
        (e: unknown) =>
          live &&
          setM(
            e instanceof ApiError && e.status === 404
              ? { state: 'none' }
              : { state: 'error', message: (e as Error).message },
          ),
      );
    void load();
    // until the first graph can be drawn, ask more often
    const timer = setInterval(load, collecting ? 3000 : tf === 'hour' ? 10_000 : 60_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [path, schema, tf, collecting]);
  return m;
}

function Empty<P>({ m }: { m: Loaded<P> }) {
  if (m.state === 'error')
    return (
      <Alert color="red" role="alert" title="Graphs">
        {m.message}
      </Alert>
    );
  return (
    <Text c="dimmed" role="status" data-graphs={m.state}>
      {m.state === 'loading'
        ? 'Loading graphs...'
        : m.state === 'collecting'
          ? `Collecting data: a point every ${m.step} s, the graphs start at the second one.`
          : 'No data: this node does not record metrics.'}
    </Text>
  );
}

function MetricGraphs<P extends { time: number }>({
  path,
  schema,
  specs,
}: {
  path: string;
  schema: MetricsSchema<P>;
  specs: GraphSpec<P>[];
}) {
  const [tf, setTf] = useState<Timeframe>('hour');
  const m = useMetrics(path, schema, tf);
  const graphs = useMemo(() => {
    if (m.state !== 'ok') return null;
    const times = m.points.map((p) => p.time);
    return specs.map((g) => ({
      ...g,
      times,
      series: g.series.map(([label, color, f]): Series => ({
        label,
        color,
        values: m.points.map(f),
      })),
    }));
  }, [m, specs]);
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
      {graphs ? (
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          {graphs.map((g) => (
            <Graph
              key={g.title}
              title={g.title}
              times={g.times}
              series={g.series}
              format={g.format}
            />
          ))}
        </SimpleGrid>
      ) : (
        <Empty m={m} />
      )}
    </Stack>
  );
}

export function NodeGraphs({ node }: { node: string }) {
  return (
    <MetricGraphs
      path={`/nodes/${encodeURIComponent(node)}/metrics`}
      schema={NodeMetricsSchema}
      specs={NODE_GRAPHS}
    />
  );
}

export function GuestGraphs({ node, kind, id }: { node: string; kind: 'vm' | 'ct'; id: number }) {
  return (
    <MetricGraphs
      path={`/nodes/${encodeURIComponent(node)}/${kind}s/${id}/metrics`}
      schema={GuestMetricsSchema}
      specs={GUEST_GRAPHS}
    />
  );
}
