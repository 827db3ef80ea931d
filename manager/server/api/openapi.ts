// The OpenAPI 3.1 document, generated from the route table's zod schemas.
import * as z from 'zod';
import type { Route } from './route.ts';

const ERRORS = {
  description: 'problems, each naming the field',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: {
          errors: {
            type: 'array',
            items: {
              type: 'object',
              properties: { path: { type: 'string' }, message: { type: 'string' } },
              required: ['path', 'message'],
            },
          },
        },
      },
    },
  },
};

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, unknown>;
    required?: string[];
  };
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (js.required ?? []).includes(name),
    schema: s,
  }));
}

export function openApiDocument(
  routes: readonly Route[],
  version: string,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const p = r.url.replace(/:(\w+)/g, '{$1}');
    paths[p] ??= {};
    paths[p][r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      security: r.public ? [] : [{ token: [] }, { ticket: [] }],
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  schema: z.toJSONSchema(r.bodyDoc ?? r.body, {
                    io: 'input',
                    unrepresentable: 'any',
                  }),
                },
              },
            },
          }
        : {}),
      responses: {
        ...(r.websocket
          ? {
              '101': {
                description: r.terminal
                  ? 'WebSocket: terminal bytes both ways (binary frames)'
                  : 'WebSocket: one JSON event per message',
              },
            }
          : { '200': { description: 'ok: `{ data }`' } }),
        '400': ERRORS,
        ...(r.public ? {} : { '401': ERRORS }),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'openve manager', version },
    components: {
      securitySchemes: {
        token: { type: 'http', scheme: 'bearer', description: 'API token: `openve token create`' },
        ticket: {
          type: 'apiKey',
          in: 'cookie',
          name: 'openve_ticket',
          description:
            'session from POST /api/v1/access/login; state-changing requests also send the X-OpenVE-CSRF header',
        },
      },
    },
    paths,
  };
}
