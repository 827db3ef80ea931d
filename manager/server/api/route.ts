// One API route: its zod schemas (checked at the edge, every problem at once) and its handler.
// The route table is also what the OpenAPI document and the auth test enumerate.
import type { FastifyReply, FastifyRequest } from 'fastify';
import * as z from 'zod';
import type { Issue } from '../../../lib/errors.ts';
import { zodIssues } from '../../../contracts/manager/issues.ts';
import type { TerminalStream } from '../consoles.ts';

export interface Principal {
  user: string;
  /** how the request proved who it is */
  via: 'token' | 'session';
  tokenId?: string;
}

export interface HandlerContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal;
  request: FastifyRequest;
  reply: FastifyReply;
}

export interface HandlerResult {
  status?: number;
  data?: unknown;
  /** the whole answer already serialized (`{"data":...}`), for cached hot lists */
  json?: string;
  /** the handler sent the answer itself on `reply` (a file stream) */
  sent?: boolean;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** fastify syntax: /api/v1/nodes/:node/vms */
  url: string;
  summary: string;
  tag: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** the body's schema for the document when `body` only passes it on (checked against the node later) */
  bodyDoc?: z.ZodType;
  /** true only for login: every other route needs a token or a session */
  public?: boolean;
  /** a WebSocket route: the events stream, or `terminal` when set, not `handler` */
  websocket?: boolean;
  /** a terminal WebSocket: binary frames both ways to this stream */
  terminal?: (ctx: { params: unknown; principal: Principal }) => Promise<TerminalStream>;
  /** a WebSocket proxied to the ws:// URL this returns (VNC), binary frames both ways */
  proxy?: (ctx: { params: unknown; query: unknown }) => Promise<string>;
  handler: (
    ctx: HandlerContext<unknown, unknown, unknown>,
  ) => Promise<HandlerResult> | HandlerResult;
}

export function route<
  P extends z.ZodType = z.ZodUnknown,
  Q extends z.ZodType = z.ZodUnknown,
  B extends z.ZodType = z.ZodUnknown,
>(def: {
  method: Route['method'];
  url: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  bodyDoc?: z.ZodType;
  public?: boolean;
  websocket?: boolean;
  terminal?: (ctx: { params: z.infer<P>; principal: Principal }) => Promise<TerminalStream>;
  proxy?: (ctx: { params: z.infer<P>; query: z.infer<Q> }) => Promise<string>;
  handler: (
    ctx: HandlerContext<z.infer<P>, z.infer<Q>, z.infer<B>>,
  ) => Promise<HandlerResult> | HandlerResult;
}): Route {
  return def as unknown as Route;
}

/** Checks params, query and body; all issues of all three together. */
export function validate(
  r: Route,
  req: { params: unknown; query: unknown; body: unknown },
): { ok: true; params: unknown; query: unknown; body: unknown } | { ok: false; issues: Issue[] } {
  const issues: Issue[] = [];
  const check = (schema: z.ZodType | undefined, value: unknown) => {
    if (!schema) return value;
    const res = schema.safeParse(value ?? (schema === r.body ? undefined : {}));
    if (res.success) return res.data;
    issues.push(...zodIssues(res.error));
    return undefined;
  };
  const params = check(r.params, req.params);
  const query = check(r.query, req.query);
  const body = check(r.body, req.body);
  return issues.length ? { ok: false, issues } : { ok: true, params, query, body };
}
