// What a create wizard may choose from on a node: storages, bridges, ISOs, templates, KVM or TCG.
// The same node facts the configs are validated against, so what the browser offers is accepted.
import * as z from 'zod';
import { notFound } from './errors.ts';
import { unprivilegedPossible } from '../guests/subids.ts';
const API = '/api/v1';
import { route, type Route } from './route.ts';
import type { Services } from './services.ts';

export function optionsRoutes(s: Services): Route[] {
  return [
    route({
      method: 'GET',
      url: `${API}/nodes/:node/options`,
      tag: 'nodes',
      summary:
        'what guests can use on the node: storages, bridges, ISOs, templates, accel, unprivileged containers',
      params: z.strictObject({ node: z.string() }),
      handler: ({ params }) => {
        const f = s.facts();
        if (params.node !== f.name)
          throw notFound('node', `no node '${params.node}' here (this is ${f.name})`);
        return {
          data: {
            accel: f.accel,
            storages: f.storages.map((st) => ({ id: st.id, type: st.type })),
            bridges: [...f.bridges],
            isos: [...f.isos],
            templates: [...f.templates],
            unprivileged: unprivilegedPossible(),
          },
        };
      },
    }),
  ];
}
