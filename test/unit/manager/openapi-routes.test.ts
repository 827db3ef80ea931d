// Every route the server answers under /api/v1 is in the OpenAPI document: walks fastify's own
// route tree (not the route table), so a route registered beside the table is caught too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testManager, type TestManager } from './helpers.ts';

/** fastify's printRoutes({commonPrefix: false}) tree -> [METHOD, url] (HEAD left out) */
export function servedRoutes(tree: string): [string, string][] {
  const out: [string, string][] = [];
  const parents: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^(.*?)[├└]── (\S+) \(([A-Z, ]+)\)$/.exec(line);
    if (!m) continue;
    // each level of the tree is indented by 4 characters
    const depth = [...(m[1] as string)].length / 4;
    const url = (depth > 0 ? (parents[depth - 1] ?? '') : '') + (m[2] as string);
    parents[depth] = url;
    parents.length = depth + 1;
    for (const method of (m[3] as string).split(', '))
      if (method !== 'HEAD') out.push([method, url]);
  }
  return out;
}

describe('OpenAPI document', () => {
  let t: TestManager;
  beforeAll(async () => {
    t = await testManager();
  }, 60_000);
  afterAll(async () => t?.close());

  it('parses the route tree', () => {
    expect(
      servedRoutes(
        '└── / (GET, HEAD)\n    ├── api/v1/a (GET, HEAD)\n    │   └── /:id (DELETE)\n    └── api/v1/b (POST)\n',
      ),
    ).toEqual([
      ['GET', '/'],
      ['GET', '/api/v1/a'],
      ['DELETE', '/api/v1/a/:id'],
      ['POST', '/api/v1/b'],
    ]);
  });

  it('lists every /api/v1 route the server answers', async () => {
    const r = await t.m.app.inject({
      method: 'GET',
      url: '/api/v1/openapi.json',
      headers: { authorization: `Bearer ${t.m.rootToken}` },
    });
    const doc = r.json<{ paths: Record<string, Record<string, unknown>> }>();
    const served = servedRoutes(t.m.app.printRoutes({ commonPrefix: false })).filter(([, u]) =>
      u.startsWith('/api/v1/'),
    );
    expect(served.length).toBeGreaterThan(30);
    expect(served).toContainEqual(['GET', '/api/v1/cluster/resources']);
    const missing = served.filter(
      ([method, url]) => !doc.paths[url.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()],
    );
    expect(missing).toEqual([]);
  });
});
