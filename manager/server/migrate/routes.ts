// GET/POST /api/v1/nodes/{node}/vms/{id}/migrate (API-NEXT.md "Migration"). A request made on
// another node reaches the VM's owner through the cluster forwarding (cluster/routes.ts).
import * as z from 'zod';
import {
  EvacuateRequestSchema,
  MigratePreconditionsSchema,
  MigrateRequestSchema,
} from '../../../contracts/manager/migrate.ts';
import type { Services } from '../api/services.ts';
import { route, type Route } from '../api/route.ts';
import { ApiError } from '../api/errors.ts';

const NodeParams = z.strictObject({ node: z.string() });
const GuestParams = z.strictObject({
  node: z.string(),
  id: z.coerce
    .number({ error: 'must be a guest id' })
    .int('must be a guest id')
    .min(100, 'must be a guest id (100 or more)'),
});

export function migrateRoutes(s: Services, node: (name: string) => void, API: string): Route[] {
  const service = () => {
    if (!s.migrate) throw new ApiError(501, { path: '', message: 'migration is not available' });
    return s.migrate;
  };
  return [
    route({
      method: 'POST',
      url: `${API}/nodes/:node/evacuate`,
      tag: 'nodes',
      summary:
        'move every running guest of the node to other nodes, maxWorkers at a time (task migrateall): VMs live, containers by restart; a summary at the end',
      params: NodeParams,
      body: EvacuateRequestSchema.default({}),
      handler: async ({ params, body, principal }) => {
        node(params.node);
        await s.cluster?.requireQuorum(
          `evacuating ${params.node}`,
          'its guests move to other nodes of the cluster',
          'node',
        );
        return {
          status: 202,
          data: { task: service().evacuate(principal.user, body.maxWorkers ?? 1).id },
        };
      },
    }),
    route({
      method: 'GET',
      url: `${API}/nodes/:node/vms/:id/migrate`,
      tag: 'vms',
      summary: 'may the VM move, and where to: its local disks and each other node',
      params: GuestParams,
      handler: async ({ params }) => {
        node(params.node);
        return { data: MigratePreconditionsSchema.parse(await service().preconditions(params.id)) };
      },
    }),
    route({
      method: 'POST',
      url: `${API}/nodes/:node/vms/:id/migrate`,
      tag: 'vms',
      summary:
        'move the VM to another node (task qmigrate): live when it runs (disks mirrored), else offline',
      params: GuestParams,
      body: MigrateRequestSchema,
      handler: async ({ params, body, principal }) => {
        node(params.node);
        await s.cluster?.requireQuorum(
          `migrating VM ${params.id}`,
          'the VM and its config move to another node of the cluster',
          'target',
        );
        const task = await service().start(params.id, body, principal.user);
        return { status: 202, data: { id: params.id, task: task.id } };
      },
    }),
  ];
}
