// The route table of /api/v1: one block per resource (nodes, vms, cts, tasks, access).
import * as z from 'zod';
import { CtCreateSchema, VmConfigSchema } from '../../../contracts/manager/guest.ts';
import { nodeStatus } from '../node.ts';
import type { Services } from './services.ts';
import { ApiError, conflict, notFound } from './errors.ts';
import { route, type Route } from './route.ts';
import { memoByKey } from '../cache.ts';
import { storageRoutes } from './storageRoutes.ts';
import { metricsRoutes } from './metricsRoutes.ts';
import { optionsRoutes } from './options.ts';
import { clusterRoutes } from '../cluster/routes.ts';
import { ctMigrateRoutes } from '../cluster/ctMigrateRoutes.ts';
import { migrateRoutes } from '../migrate/routes.ts';

const id = z.coerce
  .number({ error: 'must be a guest id' })
  .int('must be a guest id')
  .min(100, 'must be a guest id (100 or more)');
const NodeParams = z.strictObject({ node: z.string() });
const GuestParams = z.strictObject({ node: z.string(), id });
const VmActionParams = GuestParams.extend({
  action: z.enum(['start', 'stop', 'shutdown', 'reboot'], {
    error: 'must be start, stop, shutdown or reboot',
  }),
});
const CtActionParams = GuestParams.extend({
  action: z.enum(['start', 'stop', 'shutdown'], { error: 'must be start, stop or shutdown' }),
});
const ActionBody = z
  .strictObject({
    timeout: z
      .number()
      .int()
      .min(1, 'must be at least 1 s')
      .max(3600, 'must be at most 3600 s')
      .optional(),
  })
  .default({});
const DeleteQuery = z.strictObject({ confirm: z.string().optional() });
const ExecBody = z.strictObject({
  command: z.array(z.string().max(4096)).min(1, 'must name a program').max(256),
});
const VncQuery = z.strictObject({
  ticket: z.string().regex(/^[A-Za-z0-9_-]{32}$/, 'must be a ticket from POST .../vnc'),
});
const TaskParams = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9:._-]{1,120}$/, 'must be a task id'),
});
const TokenBody = z
  .strictObject({ comment: z.string().max(200).default('') })
  .default({ comment: '' });
const TokenParams = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{12}$/, 'must be a token id'),
});
const LoginBody = z.strictObject({
  username: z.string().min(1, 'is required').max(64),
  password: z.string().min(1, 'is required').max(4096),
});

export const API = '/api/v1';

export function routes(s: Services): Route[] {
  const node = (name: string) => {
    // the cluster view (forwarding to the owner) comes with clustering; one node for now
    if (name !== s.facts().name)
      throw notFound('node', `no node '${name}' here (this is ${s.facts().name})`);
  };
  // The lists are answered from memory (engine states kept by the event children) and serialized
  // once per change, not once per request.
  const serialized = (data: () => unknown) => () => JSON.stringify({ data: data() });
  const vmList = memoByKey(
    () => s.vms.listVersion(),
    serialized(() => s.vms.list()),
  );
  const ctList = memoByKey(
    () => s.cts.listVersion(),
    serialized(() => s.cts.list()),
  );
  const guestList = memoByKey(
    () => `${s.vms.listVersion()}/${s.cts.listVersion()}`,
    serialized(() => [...s.vms.list(), ...s.cts.list()].sort((a, b) => a.id - b.id)),
  );
  return [
    route({
      method: 'GET',
      url: `${API}/nodes`,
      tag: 'nodes',
      summary: 'the nodes this manager knows',
      handler: () => ({ data: [nodeStatus(s.facts())] }),
    }),
    route({
      method: 'GET',
      url: `${API}/nodes/:node`,
      tag: 'nodes',
      summary: 'node status: CPU, memory, load, KVM or TCG',
      params: NodeParams,
      handler: ({ params }) => (node(params.node), { data: nodeStatus(s.facts()) }),
    }),
    route({
      method: 'GET',
      url: `${API}/nodes/:node/guests`,
      tag: 'guests',
      summary: 'all guests (VMs and containers) of the node',
      params: NodeParams,
      handler: ({ params }) => (node(params.node), { json: guestList() }),
    }),
    ...optionsRoutes(s),

    // VMs
    route({
      method: 'GET',
      url: `${API}/nodes/:node/vms`,
      tag: 'vms',
      summary: 'VMs with their libvirt state',
      params: NodeParams,
      handler: ({ params }) => (node(params.node), { json: vmList() }),
    }),
    route({
      method: 'POST',
      url: `${API}/nodes/:node/vms`,
      tag: 'vms',
      summary: 'create a VM (task)',
      params: NodeParams,
      body: z.unknown(),
      bodyDoc: VmConfigSchema,
      handler: ({ params, body, principal }) => {
        node(params.node);
        const { id: vmid, task } = s.vms.create(body, principal.user);
        return { status: 202, data: { id: vmid, task: task.id } };
      },
    }),
    route({
      method: 'GET',
      url: `${API}/nodes/:node/vms/:id`,
      tag: 'vms',
      summary: 'a VM: state and config',
      params: GuestParams,
      handler: ({ params }) => {
        node(params.node);
        const cfg = s.vms.config(params.id);
        return { data: { ...s.vms.view(cfg), config: cfg } };
      },
    }),
    route({
      method: 'PUT',
      url: `${API}/nodes/:node/vms/:id/config`,
      tag: 'vms',
      summary:
        'change a VM (task): stopped, any of name, vcpus, maxVcpus, memory, maxMemory, firmware, boot, onboot, iso; running, vcpus and memory live up to maxVcpus/maxMemory (else 409 naming the field), name, onboot',
      params: GuestParams,
      body: z.unknown(),
      handler: ({ params, body, principal }) => (
        node(params.node),
        { status: 202, data: { task: s.vms.update(params.id, body, principal.user).id } }
      ),
    }),
    route({
      method: 'POST',
      url: `${API}/nodes/:node/vms/:id/status/:action`,
      tag: 'vms',
      summary:
        'start, stop (power off), shutdown (ACPI, then power off after timeout) or reboot (task)',
      params: VmActionParams,
      body: ActionBody,
      handler: ({ params, body, principal }) => (
        node(params.node),
        {
          status: 202,
          data: { task: s.vms.action(params.id, params.action, principal.user, body).id },
        }
      ),
    }),
    route({
      method: 'DELETE',
      url: `${API}/nodes/:node/vms/:id`,
      tag: 'vms',
      summary: 'delete a stopped VM and its disks; ?confirm=<id> (task)',
      params: GuestParams,
      query: DeleteQuery,
      handler: ({ params, query, principal }) => (
        node(params.node),
        { status: 202, data: { task: s.vms.delete(params.id, query.confirm, principal.user).id } }
      ),
    }),

    route({
      method: 'GET',
      url: `${API}/nodes/:node/vms/:id/serial`,
      tag: 'vms',
      summary: 'WebSocket: the serial console of a running VM (binary frames both ways)',
      params: GuestParams,
      websocket: true,
      terminal: ({ params }) => (node(params.node), s.vms.serial(params.id)),
      handler: () => ({ data: null }),
    }),

    route({
      method: 'POST',
      url: `${API}/nodes/:node/vms/:id/vnc`,
      tag: 'vms',
      summary: 'a one-time ticket (30 s) for the VNC WebSocket of a VM',
      params: GuestParams,
      handler: ({ params, principal }) => {
        node(params.node);
        s.vms.config(params.id);
        return { data: s.tickets.issue(`vm/${params.id}`, principal.user) };
      },
    }),
    route({
      method: 'GET',
      url: `${API}/nodes/:node/vms/:id/vnc`,
      tag: 'vms',
      summary:
        'WebSocket: the VM display (RFB), proxied to libvirt; ?ticket= from POST .../vnc (once, 30 s)',
      params: GuestParams,
      query: VncQuery,
      websocket: true,
      // the one-time ticket is the credential (browsers cannot set headers on a WebSocket)
      public: true,
      proxy: async ({ params, query }) => {
        node(params.node);
        if (s.tickets.take(query.ticket, `vm/${params.id}`) === null)
          throw new ApiError(401, {
            path: 'ticket',
            message: 'unknown, used or expired: get a new one with POST .../vnc',
          });
        return s.vms.vncUpstream(params.id);
      },
      handler: () => ({ data: null }),
    }),

    // containers
    route({
      method: 'GET',
      url: `${API}/nodes/:node/cts`,
      tag: 'cts',
      summary: 'containers with their LXC state',
      params: NodeParams,
      handler: ({ params }) => (node(params.node), { json: ctList() }),
    }),
    route({
      method: 'POST',
      url: `${API}/nodes/:node/cts`,
      tag: 'cts',
      summary: 'create a container (task)',
      params: NodeParams,
      body: z.unknown(),
      bodyDoc: CtCreateSchema,
      handler: ({ params, body, principal }) => {
        node(params.node);
        const { id: ctid, task } = s.cts.create(body, principal.user);
        return { status: 202, data: { id: ctid, task: task.id } };
      },
    }),
    route({
      method: 'GET',
      url: `${API}/nodes/:node/cts/:id`,
      tag: 'cts',
      summary: 'a container: state and config',
      params: GuestParams,
      handler: ({ params }) => {
        node(params.node);
        const cfg = s.cts.config(params.id);
        return { data: { ...s.cts.view(cfg), config: cfg } };
      },
    }),
    route({
      method: 'POST',
      url: `${API}/nodes/:node/cts/:id/status/:action`,
      tag: 'cts',
      summary: 'start, stop (kill) or shutdown (clean, killed after timeout) (task)',
      params: CtActionParams,
      body: ActionBody,
      handler: ({ params, body, principal }) => (
        node(params.node),
        {
          status: 202,
          data: { task: s.cts.action(params.id, params.action, principal.user, body).id },
        }
      ),
    }),
    route({
      method: 'GET',
      url: `${API}/nodes/:node/cts/:id/console`,
      tag: 'cts',
      summary: 'WebSocket: the console (tty 0) of a running container (binary frames both ways)',
      params: GuestParams,
      websocket: true,
      terminal: ({ params }) => (node(params.node), s.cts.console(params.id)),
      handler: () => ({ data: null }),
    }),
    route({
      method: 'POST',
      url: `${API}/nodes/:node/cts/:id/exec`,
      tag: 'cts',
      summary: 'run a command in a running container; its exit code and output',
      params: GuestParams,
      body: ExecBody,
      handler: async ({ params, body }) => {
        node(params.node);
        const r = await s.cts.exec(params.id, body.command);
        return { data: { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr } };
      },
    }),
    route({
      method: 'DELETE',
      url: `${API}/nodes/:node/cts/:id`,
      tag: 'cts',
      summary: 'delete a stopped container and its root file system; ?confirm=<id> (task)',
      params: GuestParams,
      query: DeleteQuery,
      handler: ({ params, query, principal }) => (
        node(params.node),
        { status: 202, data: { task: s.cts.delete(params.id, query.confirm, principal.user).id } }
      ),
    }),

    ...storageRoutes(s, node, API),
    ...clusterRoutes(s),
    ...ctMigrateRoutes(s),
    ...metricsRoutes(s, node, API),
    ...migrateRoutes(s, node, API),

    // tasks
    route({
      method: 'GET',
      url: `${API}/tasks`,
      tag: 'tasks',
      summary: 'recent tasks, newest first',
      handler: () => ({ data: s.tasks.list() }),
    }),
    route({
      method: 'GET',
      url: `${API}/tasks/:id`,
      tag: 'tasks',
      summary: 'a task: status, progress and log',
      params: TaskParams,
      handler: ({ params }) => {
        const t = s.tasks.get(params.id);
        if (!t) throw notFound('id', `no task ${params.id}`);
        return { data: { ...t, log: s.tasks.log(params.id) } };
      },
    }),
    route({
      method: 'DELETE',
      url: `${API}/tasks/:id`,
      tag: 'tasks',
      summary:
        'stop a running task (202; a migration rolls back: the guest stays on its node); 409 with the reason when it cannot be stopped now',
      params: TaskParams,
      handler: ({ params, principal }) => {
        const r = s.tasks.stop(params.id, principal.user);
        if (!r) throw notFound('id', `no task ${params.id}`);
        if (!r.ok) throw conflict('id', r.reason);
        return { status: 202, data: { task: params.id } };
      },
    }),
    route({
      method: 'GET',
      url: `${API}/events`,
      tag: 'tasks',
      summary: 'WebSocket: task and guest events as JSON messages',
      websocket: true,
      handler: () => ({ data: null }),
    }),

    // access
    route({
      method: 'POST',
      url: `${API}/access/login`,
      tag: 'access',
      summary: 'log in with a Unix password: sets the session cookie, returns the CSRF token',
      body: LoginBody,
      public: true,
      handler: async ({ body, request, reply }) => {
        const key = `${request.ip}|${body.username}`;
        if (s.limiter.blocked(key)) {
          s.audit.record({
            user: body.username,
            address: request.ip,
            action: 'login',
            outcome: 'denied',
            detail: 'rate-limited',
          });
          throw new ApiError(429, { path: '', message: 'too many failed logins: wait a minute' });
        }
        const ok = await s.checkPassword(body.username, body.password);
        // the right password of a user not on the allowed list: say so (only to whoever knows
        // the password, so the list of users is not given away)
        if (ok && !s.allowedUsers.includes(body.username)) {
          s.audit.record({
            user: body.username,
            address: request.ip,
            action: 'login',
            outcome: 'denied',
            detail: 'not an allowed user',
          });
          s.log(
            `login refused for ${JSON.stringify(body.username)} from ${request.ip}: not allowed`,
          );
          throw new ApiError(403, {
            path: 'username',
            message: `user '${body.username}' may not log in to this manager (an administrator allows users with openve-manager --allow-user)`,
          });
        }
        if (!ok) {
          s.limiter.fail(key);
          s.audit.record({
            user: body.username,
            address: request.ip,
            action: 'login',
            outcome: 'failed',
          });
          s.log(`failed login for ${JSON.stringify(body.username)} from ${request.ip}`);
          throw new ApiError(401, { path: '', message: 'login failed' });
        }
        s.limiter.succeed(key);
        const { ticket, session } = s.sessions.create(body.username);
        s.audit.record({
          user: body.username,
          address: request.ip,
          action: 'login',
          outcome: 'ok',
        });
        reply.header(
          'set-cookie',
          `openve_ticket=${ticket}; Path=/api; HttpOnly; Secure; SameSite=Strict`,
        );
        return { data: { username: body.username, csrfToken: session.csrf } };
      },
    }),
    route({
      method: 'POST',
      url: `${API}/access/logout`,
      tag: 'access',
      summary: 'end the session',
      handler: ({ request, reply }) => {
        const t = request.ticket;
        if (t) s.sessions.delete(t);
        reply.header(
          'set-cookie',
          'openve_ticket=; Path=/api; HttpOnly; Secure; SameSite=Strict; Max-Age=0',
        );
        return { data: null };
      },
    }),
    route({
      method: 'GET',
      url: `${API}/access/tokens`,
      tag: 'access',
      summary: 'API tokens (never their secrets)',
      handler: () => ({ data: s.tokens.list() }),
    }),
    route({
      method: 'POST',
      url: `${API}/access/tokens`,
      tag: 'access',
      summary: 'create an API token for the caller; the token is shown only in this answer',
      body: TokenBody,
      handler: ({ body, principal }) => {
        const { info, token } = s.tokens.create(principal.user, body.comment);
        return { status: 201, data: { ...info, token } };
      },
    }),
    route({
      method: 'DELETE',
      url: `${API}/access/tokens/:id`,
      tag: 'access',
      summary: 'revoke an API token',
      params: TokenParams,
      handler: ({ params }) => {
        if (!s.tokens.revoke(params.id)) throw notFound('id', `no token ${params.id}`);
        return { data: null };
      },
    }),
    route({
      method: 'GET',
      url: `${API}/openapi.json`,
      tag: 'meta',
      summary: 'this document',
      handler: () => ({ data: null }),
    }),
  ];
}
