// What the manager's unit and integration tests share: a request to the node's API through
// fastify's inject (authenticated with the root token), the end of a task, the CLI over TLS.
import { main } from '../../manager/cli/main.ts';
import type { RunningManager } from '../../manager/server/manager.ts';
import type { TaskInfo } from '../../manager/server/tasks.ts';

export interface ApiAnswer<T> {
  status: number;
  body: { data?: T; errors?: { path: string; message: string }[] };
}

/** `METHOD /api/v1/nodes/{node}URL` as root; the status and the parsed body */
export async function nodeRequest<T = { task: string }>(
  m: RunningManager,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload?: unknown,
): Promise<ApiAnswer<T>> {
  const r = await m.app.inject({
    method,
    url: `/api/v1/nodes/${m.services.facts().name}${url}`,
    headers: { authorization: `Bearer ${m.rootToken}` },
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
  return { status: r.statusCode, body: r.json<ApiAnswer<T>['body']>() };
}

/** waits for the task to end: its final state and its log */
export async function taskStatus(
  m: RunningManager,
  id: string,
  pollMs = 10,
): Promise<TaskInfo & { log: string[] }> {
  for (;;) {
    const t = m.services.tasks.get(id);
    if (t && t.status !== 'running') return { ...t, log: m.services.tasks.log(id) };
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** `openve ARGS` against the manager over TLS with its root token: exit code and output */
export async function runCli(
  m: RunningManager,
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['--host', m.url, '--token', m.rootToken, '--ca', m.certFile, ...args], {
    out: (s) => (out += s),
    err: (s) => (err += s),
  });
  return { code, out, err };
}
