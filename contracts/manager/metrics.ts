// Usage graphs: what GET /nodes/{node}/metrics and .../vms|cts/{id}/metrics answer. Sampled every
// 10 s; hour = 10 s points, day = 1 min averages, week = 10 min averages. Bytes and bytes/s; cpu
// is a fraction (0..1) of the node's CPUs (node) or of the guest's own vCPUs / cores (guest).
import * as z from 'zod';

export const Timeframe = z.enum(['hour', 'day', 'week'], { error: 'must be hour, day or week' });
export type Timeframe = z.infer<typeof Timeframe>;

/** the field order of the points (also the column order of the store on disk) */
export const NODE_FIELDS = [
  'cpu',
  'memused',
  'memtotal',
  'load1',
  'netin',
  'netout',
  'rootused',
  'roottotal',
] as const;
export const GUEST_FIELDS = [
  'cpu',
  'mem',
  'maxmem',
  'netin',
  'netout',
  'diskread',
  'diskwrite',
] as const;

const n = z.number();
export const NodeMetricPointSchema = z.object({
  time: z.number().int(),
  cpu: n,
  memused: n,
  memtotal: n,
  load1: n,
  netin: n,
  netout: n,
  rootused: n,
  roottotal: n,
});
export const GuestMetricPointSchema = z.object({
  time: z.number().int(),
  cpu: n,
  mem: n,
  maxmem: n,
  netin: n,
  netout: n,
  diskread: n,
  diskwrite: n,
});
export type NodeMetricPoint = z.infer<typeof NodeMetricPointSchema>;
export type GuestMetricPoint = z.infer<typeof GuestMetricPointSchema>;

export const NodeMetricsSchema = z.object({
  timeframe: Timeframe,
  /** seconds between points */
  step: z.number().int(),
  points: z.array(NodeMetricPointSchema),
});
export const GuestMetricsSchema = z.object({
  timeframe: Timeframe,
  step: z.number().int(),
  points: z.array(GuestMetricPointSchema),
});
export type NodeMetrics = z.infer<typeof NodeMetricsSchema>;
export type GuestMetrics = z.infer<typeof GuestMetricsSchema>;
