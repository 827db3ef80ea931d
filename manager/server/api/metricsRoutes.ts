// Usage graphs of the node and of each guest: hour (10 s), day (1 min), week (10 min).
import * as z from 'zod';
import { Timeframe } from '../../../contracts/manager/metrics.ts';
import { Metrics } from '../metrics/metrics.ts';
import type { Services } from './services.ts';
import { route, type Route } from './route.ts';

const NodeParams = z.strictObject({ node: z.string() });
const GuestParams = NodeParams.extend({
  id: z.coerce
    .number({ error: 'must be a guest id' })
    .int('must be a guest id')
    .min(100, 'must be a guest id (100 or more)'),
});
const Query = z.strictObject({ timeframe: Timeframe.default('hour') });

export function metricsRoutes(s: Services, node: (name: string) => void, API: string): Route[] {
  return [
    route({
      method: 'GET',
      url: `${API}/nodes/:node/metrics`,
      tag: 'nodes',
      summary: 'node usage over time: ?timeframe=hour (10 s points) | day (1 min) | week (10 min)',
      params: NodeParams,
      query: Query,
      handler: ({ params, query }) => (
        node(params.node),
        {
          data: {
            timeframe: query.timeframe,
            step: Metrics.step(query.timeframe),
            points: s.metrics.nodePoints(query.timeframe),
          },
        }
      ),
    }),
    ...(['vm', 'ct'] as const).map((kind) =>
      route({
        method: 'GET',
        url: `${API}/nodes/:node/${kind}s/:id/metrics`,
        tag: `${kind}s`,
        summary: `${kind === 'vm' ? 'VM' : 'container'} usage over time: ?timeframe=hour | day | week`,
        params: GuestParams,
        query: Query,
        handler: ({ params, query }) => {
          node(params.node);
          if (kind === 'vm') s.vms.config(params.id);
          else s.cts.config(params.id);
          return {
            data: {
              timeframe: query.timeframe,
              step: Metrics.step(query.timeframe),
              points: s.metrics.guestPoints(kind, params.id, query.timeframe),
            },
          };
        },
      }),
    ),
  ];
}
