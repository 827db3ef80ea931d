// The API's edge: authentication on every route, 400s naming every field, no stack traces or
// secrets in answers and logs, sessions with CSRF, tokens, tasks, the OpenAPI document.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { testManager, TEST_PASSWORD, type TestManager } from './helpers.ts';

let t: TestManager;
let auth: Record<string, string>;
beforeAll(async () => {
  t = await testManager();
  auth = { authorization: `Bearer ${t.m.rootToken}` };
}, 60_000);
afterAll(async () => t?.close());

const sample: Record<string, string> = { node: '', id: '100', action: 'start' };
function urlOf(pattern: string, node: string): string {
  return pattern.replace(/:(\w+)/g, (_, k: string) => (k === 'node' ? node : (sample[k] ?? 'x')));
}
const json = (r: { body: string }) =>
  JSON.parse(r.body) as { data?: unknown; errors?: { path: string; message: string }[] };

describe('authentication', () => {
  it('writes the root token 0600 under the state dir', () => {
    const st = statSync(path.join(t.dir, 'root.token'));
    expect(st.mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(t.dir, 'root.token'), 'utf8').trim()).toBe(t.m.rootToken);
  });

  it('refuses every route but login without credentials, and with a wrong token', async () => {
    const table =
      t.m.services && (await import('../../../manager/server/api/routes.ts')).routes(t.m.services);
    expect(table.length).toBeGreaterThanOrEqual(20);
    for (const r of table) {
      const url = urlOf(r.url, t.node);
      for (const headers of [
        {},
        { authorization: 'Bearer openve_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
        { authorization: 'Basic cm9vdDpx' },
      ]) {
        const res = await t.m.app.inject({
          method: r.method,
          url,
          headers,
          ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { payload: {} }),
        });
        if (r.public) expect(res.statusCode, `${r.method} ${r.url}`).not.toBe(200);
        else {
          expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
          expect(json(res).errors?.[0]?.path).toBe('authorization');
        }
      }
    }
  });

  it('refuses unknown routes without credentials too (no route discovery)', async () => {
    const res = await t.m.app.inject({ method: 'GET', url: '/api/v1/nope' });
    expect(res.statusCode).toBe(401);
    const known = await t.m.app.inject({ method: 'GET', url: '/api/v1/nope', headers: auth });
    expect(known.statusCode).toBe(404);
  });

  it('accepts the root token', async () => {
    const res = await t.m.app.inject({ method: 'GET', url: '/api/v1/nodes', headers: auth });
    expect(res.statusCode).toBe(200);
    expect((json(res).data as { node: string }[])[0]?.node).toBe(t.node);
  });
});

describe('bad requests', () => {
  it('names every problem of a VM at once, without a stack trace', async () => {
    const res = await t.m.app.inject({
      method: 'POST',
      url: `/api/v1/nodes/${t.node}/vms`,
      headers: auth,
      payload: { name: 'Bad_Name', memory: 'lots', disks: [{ size: 0 }], extra: 1 },
    });
    expect(res.statusCode).toBe(400);
    const errors = json(res).errors ?? [];
    expect(errors.map((e) => e.path)).toEqual(['name', 'memory', 'disks[0].size', 'extra']);
    expect(res.body).not.toMatch(/\bat \w+ \(|node_modules|\.ts:\d+/);
  });

  it('names the path parameter, the query and a bad action', async () => {
    const res = await t.m.app.inject({
      method: 'POST',
      url: `/api/v1/nodes/${t.node}/vms/abc/status/explode`,
      headers: auth,
    });
    expect(res.statusCode).toBe(400);
    expect((json(res).errors ?? []).map((e) => e.path)).toEqual(['id', 'action']);
  });

  it('answers invalid JSON with a 400 on the body', async () => {
    const res = await t.m.app.inject({
      method: 'POST',
      url: `/api/v1/nodes/${t.node}/cts`,
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"hostname": ',
    });
    expect(res.statusCode).toBe(400);
    expect(json(res).errors).toEqual([{ path: '(body)', message: 'is not valid JSON' }]);
  });

  it('answers an unknown node with 404 naming it', async () => {
    const res = await t.m.app.inject({
      method: 'GET',
      url: '/api/v1/nodes/elsewhere/vms',
      headers: auth,
    });
    expect(res.statusCode).toBe(404);
    expect(json(res).errors?.[0]?.path).toBe('node');
  });

  it('refuses a delete without confirmation', async () => {
    const create = await t.m.app.inject({
      method: 'POST',
      url: `/api/v1/nodes/${t.node}/vms`,
      headers: auth,
      payload: { name: 'del', memory: 64, nics: [] },
    });
    const { id, task } = json(create).data as { id: number; task: string };
    await t.m.services.tasks.wait(task);
    const res = await t.m.app.inject({
      method: 'DELETE',
      url: `/api/v1/nodes/${t.node}/vms/${id}`,
      headers: auth,
    });
    expect(res.statusCode).toBe(400);
    expect(json(res).errors?.[0]?.path).toBe('confirm');
  });
});

describe('tasks', () => {
  it('creates a VM as a task: id at once, then status, progress and a persisted log', async () => {
    const res = await t.m.app.inject({
      method: 'POST',
      url: `/api/v1/nodes/${t.node}/vms`,
      headers: auth,
      payload: { name: 'web', memory: 256, disks: [{ size: 2, storage: 'local' }], nics: [] },
    });
    expect(res.statusCode).toBe(202);
    const { id, task } = json(res).data as { id: number; task: string };
    expect(id).toBeGreaterThanOrEqual(100);
    await t.m.services.tasks.wait(task);
    const got = await t.m.app.inject({
      method: 'GET',
      url: `/api/v1/tasks/${encodeURIComponent(task)}`,
      headers: auth,
    });
    const info = json(got).data as { status: string; progress: number; log: string[] };
    expect(info.status).toBe('ok');
    expect(info.progress).toBe(1);
    expect(info.log.join('\n')).toContain('qemu-img create');
    expect(t.runner.calls.some((c) => c.argv.includes('define'))).toBe(true);
    const list = await t.m.app.inject({
      method: 'GET',
      url: `/api/v1/nodes/${t.node}/vms`,
      headers: auth,
    });
    expect(
      (json(list).data as { id: number; name: string }[]).some(
        (v) => v.id === id && v.name === 'web',
      ),
    ).toBe(true);
  });

  it('a failing engine command fails the task with the reason and undoes the volumes', async () => {
    t.runner.failOn(['virsh', '-q', '-c', 'test:///default', 'define'], { stderr: 'error: boom' });
    const res = await t.m.app.inject({
      method: 'POST',
      url: `/api/v1/nodes/${t.node}/vms`,
      headers: auth,
      payload: { name: 'bad', memory: 64, disks: [{ size: 1, storage: 'local' }], nics: [] },
    });
    const { task } = json(res).data as { task: string };
    const info = await t.m.services.tasks.wait(task);
    expect(info?.status).toBe('error');
    expect(t.m.services.tasks.log(task).join('\n')).toContain('boom');
    expect(
      t.runner.calls.some(
        (c) => c.argv[0] === 'rm' && c.argv.some((a) => a.endsWith('disk-0.qcow2')),
      ),
    ).toBe(true);
  });
});

describe('sessions and tokens', () => {
  it('logs in with the Unix password: HttpOnly cookie, CSRF header required to change things', async () => {
    const bad = await t.m.app.inject({
      method: 'POST',
      url: '/api/v1/access/login',
      payload: { username: 'root', password: 'nope' },
    });
    expect(bad.statusCode).toBe(401);
    const res = await t.m.app.inject({
      method: 'POST',
      url: '/api/v1/access/login',
      payload: { username: 'root', password: TEST_PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    const ticket = cookie.split(';')[0] as string;
    const csrf = (json(res).data as { csrfToken: string }).csrfToken;
    expect(
      (await t.m.app.inject({ method: 'GET', url: '/api/v1/nodes', headers: { cookie: ticket } }))
        .statusCode,
    ).toBe(200);
    const noCsrf = await t.m.app.inject({
      method: 'POST',
      url: '/api/v1/access/tokens',
      headers: { cookie: ticket },
      payload: {},
    });
    expect(noCsrf.statusCode).toBe(403);
    const withCsrf = await t.m.app.inject({
      method: 'POST',
      url: '/api/v1/access/tokens',
      headers: { cookie: ticket, 'x-openve-csrf': csrf },
      payload: { comment: 'ui' },
    });
    expect(withCsrf.statusCode).toBe(201);
  });

  it('rate-limits failed logins and logs them, never the password', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 7; i++)
      codes.push(
        (
          await t.m.app.inject({
            method: 'POST',
            url: '/api/v1/access/login',
            payload: { username: 'admin', password: 'secret-guess-123' },
          })
        ).statusCode,
      );
    expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(codes.slice(5)).toEqual([429, 429]);
    const audit = readFileSync(path.join(t.dir, 'audit.log'), 'utf8');
    expect(audit).toContain('"action":"login","outcome":"failed"');
    expect(audit).toContain('rate-limited');
    expect(t.logs.join('\n')).toContain('failed login');
  });

  it('creates, lists and revokes tokens; the secret is shown once and never stored', async () => {
    const res = await t.m.app.inject({
      method: 'POST',
      url: '/api/v1/access/tokens',
      headers: auth,
      payload: { comment: 'ci' },
    });
    const { id, token } = json(res).data as { id: string; token: string };
    expect(token).toMatch(/^openve_/);
    // the secret is base64url and may itself contain '_': take everything after `openve_<id>_`
    const secret = token.slice(`openve_${id}_`.length);
    expect(secret).toHaveLength(43);
    const list = await t.m.app.inject({
      method: 'GET',
      url: '/api/v1/access/tokens',
      headers: auth,
    });
    expect(list.body).toContain(id);
    expect(list.body).not.toContain(secret);
    expect(readFileSync(path.join(t.dir, 'tokens.json'), 'utf8')).not.toContain(secret);
    expect(
      (
        await t.m.app.inject({
          method: 'GET',
          url: '/api/v1/nodes',
          headers: { authorization: `Bearer ${token}` },
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await t.m.app.inject({
          method: 'DELETE',
          url: `/api/v1/access/tokens/${id}`,
          headers: auth,
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await t.m.app.inject({
          method: 'GET',
          url: '/api/v1/nodes',
          headers: { authorization: `Bearer ${token}` },
        })
      ).statusCode,
    ).toBe(401);
  });

  it('keeps secrets out of every file under the state dir and out of the manager log', async () => {
    const { readdirSync } = await import('node:fs');
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)],
      );
    for (const f of walk(t.dir)) {
      if (f.endsWith('root.token') || f.endsWith('.key')) continue;
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toContain(TEST_PASSWORD);
      expect(text, f).not.toContain('secret-guess-123');
      expect(text, f).not.toContain(t.m.rootToken);
    }
    expect(t.logs.join('\n')).not.toContain(t.m.rootToken);
    expect(t.logs.join('\n')).not.toContain('secret-guess-123');
  });
});

describe('OpenAPI', () => {
  it('documents every route, with the request schemas', async () => {
    const res = await t.m.app.inject({ method: 'GET', url: '/api/v1/openapi.json', headers: auth });
    const doc = JSON.parse(res.body) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    const { routes } = await import('../../../manager/server/api/routes.ts');
    for (const r of routes(t.m.services))
      expect(
        doc.paths[r.url.replace(/:(\w+)/g, '{$1}')]?.[r.method.toLowerCase()],
        `${r.method} ${r.url}`,
      ).toBeDefined();
    expect(JSON.stringify(doc.paths['/api/v1/access/login'])).toContain('password');
    expect(JSON.stringify(doc.paths['/api/v1/nodes/{node}/vms'])).toContain('firmware');
  });
});
