// The HTTP(S) server: authentication on every request (except login), zod at the edge, errors as
// `{errors:[{path,message}]}` and never a stack trace, an audit line for every change.
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import WebSocket from 'ws';
import type { Issue } from '../../../lib/errors.ts';
import { CSRF_HEADER, SESSION_COOKIE, sameSecret } from '../auth/sessions.ts';
import { ApiError } from './errors.ts';
import { openApiDocument } from './openapi.ts';
import { validate, type Principal, type Route } from './route.ts';
import { routes } from './routes.ts';
import { registerCluster } from '../cluster/routes.ts';
import { pipeToOwner } from '../cluster/sockets.ts';
import type { Services } from './services.ts';
import { registerWeb } from '../web.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    ticket: string | null;
  }
  interface FastifyContextConfig {
    public?: boolean;
  }
}

export interface AppOptions {
  https?: { key: string; cert: string };
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function cookie(req: FastifyRequest, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

function authenticate(s: Services, req: FastifyRequest): Principal | ApiError {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer (\S+)$/.exec(auth);
    const hit = m ? s.tokens.verify(m[1] as string) : null;
    if (!hit)
      return new ApiError(401, { path: 'authorization', message: 'invalid or revoked API token' });
    return { user: hit.user, via: 'token', tokenId: hit.tokenId };
  }
  const ticket = cookie(req, SESSION_COOKIE);
  const session = ticket ? s.sessions.get(ticket) : null;
  // a user taken off the allowed list loses the tickets already issued too
  if (!session || !ticket || !s.allowedUsers.includes(session.user))
    return new ApiError(401, {
      path: 'authorization',
      message: 'authentication required: send Authorization: Bearer <API token>, or log in',
    });
  if (!SAFE.has(req.method)) {
    const csrf = req.headers[CSRF_HEADER];
    if (typeof csrf !== 'string' || !sameSecret(csrf, session.csrf))
      return new ApiError(403, {
        path: CSRF_HEADER,
        message: 'missing or wrong CSRF token (from the login answer)',
      });
  }
  req.ticket = ticket;
  return { user: session.user, via: 'session' };
}

const send = (
  reply: { code(n: number): { send(b: unknown): unknown } },
  status: number,
  issues: Issue[],
) => reply.code(status).send({ errors: issues });

export async function buildApp(
  s: Services,
  opts: AppOptions = {},
): Promise<{ app: FastifyInstance; routes: Route[] }> {
  const app = Fastify({
    logger: false,
    bodyLimit: 1 << 20,
    ...(opts.https ? { https: opts.https } : {}),
  }) as unknown as FastifyInstance;
  await app.register(websocket, { options: { maxPayload: 1 << 16 } });
  // uploads (ISO images, templates): the body reaches the handler as a stream, never buffered
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) =>
    done(null, payload),
  );
  app.decorateRequest('principal', null);
  app.decorateRequest('ticket', null);

  app.addHook('onRequest', async (req, reply) => {
    if (req.routeOptions.config?.public) return;
    const who = authenticate(s, req);
    if (who instanceof ApiError) {
      if (who.status === 401) reply.header('www-authenticate', 'Bearer');
      return send(reply, who.status, who.issues);
    }
    req.principal = who;
  });

  app.addHook('onResponse', async (req, reply) => {
    if (SAFE.has(req.method) || req.routeOptions.config?.public) return;
    s.audit.record({
      user: req.principal?.user ?? null,
      address: req.ip,
      action: `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]}`,
      outcome: reply.statusCode,
      detail: req.url.split('?')[0],
    });
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof ApiError) return send(reply, err.status, err.issues);
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const message =
        err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'must be application/json'
          : err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
            ? 'is too large'
            : err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
              ? 'is empty: send {} or no Content-Type'
              : 'is not valid JSON';
      return send(reply, status, [{ path: '(body)', message }]);
    }
    s.log(`internal error on ${req.method} ${req.url.split('?')[0]}: ${err.stack ?? err.message}`);
    return send(reply, 500, [
      { path: '', message: 'internal error (details are in the manager log)' },
    ]);
  });

  app.setNotFoundHandler((req, reply) =>
    send(reply, 404, [{ path: '', message: `no route ${req.method} ${req.url.split('?')[0]}` }]),
  );

  registerWeb(app);
  registerCluster(app, s);
  const table = routes(s);
  const doc = openApiDocument(table, s.version);
  for (const r of table) {
    if (r.websocket && r.proxy) {
      const upstreamOf = r.proxy;
      app.get(r.url, { websocket: true, config: { public: r.public === true } }, (socket, req) => {
        if (pipeToOwner(s, socket, req)) return;
        const fail = (status: number, message: string) =>
          socket.close(4000 + status, message.slice(0, 120));
        const v = validate(r, { params: req.params, query: req.query, body: undefined });
        if (!v.ok) return fail(400, v.issues.map((i) => `${i.path}: ${i.message}`).join('; '));
        const early: Buffer[] = [];
        const keep = (d: Buffer) => early.push(d);
        socket.on('message', keep);
        Promise.resolve()
          .then(() => upstreamOf({ params: v.params, query: v.query }))
          .then(
            (url) => {
              const up = new WebSocket(url, { perMessageDeflate: false });
              up.binaryType = 'nodebuffer';
              up.once('open', () => {
                socket.off('message', keep);
                for (const d of early) up.send(d);
                socket.on('message', (d: Buffer) => up.send(d));
              });
              up.on('message', (d: Buffer) => socket.readyState === socket.OPEN && socket.send(d));
              up.once('close', () => socket.close(1000, 'display closed'));
              up.once('error', (err) => {
                s.log(`vnc proxy ${req.url.split('?')[0]}: ${err.message}`);
                fail(502, 'display unavailable (details are in the manager log)');
              });
              socket.once('close', () => up.close());
            },
            (err: unknown) => {
              if (err instanceof ApiError) {
                const i = err.issues[0];
                return fail(err.status, `${i?.path ?? ''}: ${i?.message ?? ''}`);
              }
              s.log(`vnc proxy ${req.url.split('?')[0]}: ${(err as Error).message}`);
              fail(500, 'display unavailable (details are in the manager log)');
            },
          );
      });
      continue;
    }
    if (r.websocket && r.terminal) {
      const open = r.terminal;
      app.get(r.url, { websocket: true }, (socket, req) => {
        if (pipeToOwner(s, socket, req)) return;
        // errors go to the client as a close reason (4000 + HTTP status), never a stack trace
        const fail = (status: number, message: string) =>
          socket.close(4000 + status, message.slice(0, 120));
        const v = validate(r, { params: req.params, query: {}, body: undefined });
        if (!v.ok) return fail(400, v.issues.map((i) => `${i.path}: ${i.message}`).join('; '));
        const principal = req.principal ?? { user: '', via: 'session' as const };
        const early: Buffer[] = [];
        const keep = (d: Buffer) => early.push(d);
        socket.on('message', keep);
        Promise.resolve()
          .then(() => open({ params: v.params, principal }))
          .then(
            (term) => {
              if (socket.readyState !== socket.OPEN) return term.close();
              socket.off('message', keep);
              for (const d of early) term.write(d);
              socket.on('message', (d: Buffer) => term.write(d));
              term.onData((d) => socket.send(d));
              term.onClose(() => socket.close(1000, 'console closed'));
              socket.on('close', () => term.close());
            },
            (err: unknown) => {
              if (err instanceof ApiError) {
                const i = err.issues[0];
                return fail(err.status, `${i?.path ?? ''}: ${i?.message ?? ''}`);
              }
              s.log(`console ${req.url.split('?')[0]}: ${(err as Error).message}`);
              fail(500, 'console unavailable (details are in the manager log)');
            },
          );
      });
      continue;
    }
    if (r.websocket) {
      app.get(r.url, { websocket: true }, (socket) => {
        const off = s.hub.subscribe((e) => socket.send(JSON.stringify(e)));
        socket.on('close', off);
      });
      continue;
    }
    app.route({
      method: r.method,
      url: r.url,
      config: { public: r.public === true },
      handler: async (req, reply) => {
        if (r.url.endsWith('/openapi.json')) return doc;
        const v = validate(r, { params: req.params, query: req.query, body: req.body });
        if (!v.ok) return send(reply, 400, v.issues);
        const principal = req.principal ?? { user: '', via: 'session' as const };
        const out = await r.handler({
          params: v.params,
          query: v.query,
          body: v.body,
          principal,
          request: req,
          reply,
        });
        if (out.sent) return reply;
        reply.code(out.status ?? 200);
        if (out.json !== undefined)
          return reply.type('application/json; charset=utf-8').send(out.json);
        return { data: out.data };
      },
    });
  }
  return { app, routes: table };
}
