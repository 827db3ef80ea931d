// `openve login`: log in to a node's manager with a Unix password and print a new API token for
// the other commands (`--token` / OPENVE_TOKEN). The password is read from stdin (one line), never
// from argv; it goes only to the login request. The session is ended again once the token exists.
import https from 'node:https';
import * as z from 'zod';
import { ApiFailure, type ApiIssue } from './client.ts';

const Issues = z.object({
  errors: z.array(z.object({ path: z.string(), message: z.string() })).min(1),
});
const LoginAnswer = z.object({ data: z.object({ username: z.string(), csrfToken: z.string() }) });
const TokenAnswer = z.object({ data: z.object({ id: z.string(), token: z.string().min(1) }) });

export interface LoginOptions {
  base: string;
  user: string;
  password: string;
  comment: string;
  ca?: string;
  insecure?: boolean;
}

interface Answer {
  status: number;
  body: unknown;
  cookie: string | null;
}

function post(
  o: LoginOptions,
  path: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<Answer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(path, o.base),
      {
        method: 'POST',
        ca: o.ca,
        rejectUnauthorized: !o.insecure,
        headers: { 'content-type': 'application/json', ...headers },
        timeout: 60_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => {
          let parsed: unknown = null;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: reported by the caller from the status
          }
          const set = res.headers['set-cookie']?.[0] ?? null;
          resolve({
            status: res.statusCode ?? 0,
            body: parsed,
            cookie: set?.split(';')[0] ?? null,
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 60 s')));
    req.on('error', (e) =>
      reject(
        new ApiFailure(0, [{ path: 'host', message: `cannot reach ${o.base}: ${e.message}` }]),
      ),
    );
    req.end(payload);
  });
}

function failure(a: Answer, what: string): ApiFailure {
  const issues = Issues.safeParse(a.body);
  const list: ApiIssue[] = issues.success
    ? issues.data.errors
    : [{ path: '', message: `${what}: unexpected answer (HTTP ${a.status})` }];
  return new ApiFailure(a.status, list);
}

/** Logs in, creates an API token with the session, logs out; returns the token. */
export async function login(o: LoginOptions): Promise<{ id: string; token: string }> {
  const api = '/api/v1/access';
  const answer = await post(o, `${api}/login`, { username: o.user, password: o.password }, {});
  const session = LoginAnswer.safeParse(answer.body);
  if (answer.status !== 200 || !session.success || !answer.cookie) throw failure(answer, 'login');
  const auth = { cookie: answer.cookie, 'x-openve-csrf': session.data.data.csrfToken };
  const created = await post(o, `${api}/tokens`, { comment: o.comment }, auth);
  const token = TokenAnswer.safeParse(created.body);
  await post(o, `${api}/logout`, {}, auth).catch(() => undefined);
  if (created.status !== 201 || !token.success) throw failure(created, 'token');
  return token.data.data;
}

/** The password: the first line of stdin (a terminal, a pipe or a file). */
export async function readPassword(stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

export interface LoginCommandValues {
  host?: string;
  user?: string;
  comment?: string;
  ca?: string;
  insecure?: boolean;
  json?: boolean;
}

/** `openve [--host URL] [--ca FILE|--insecure] login [--user root] [--comment C]` (password on stdin). */
export async function loginCommand(
  v: LoginCommandValues,
  io: { out(t: string): void; err(t: string): void },
  readCa: (file: string) => string,
  password: () => Promise<string> = () => readPassword(),
): Promise<number> {
  const pass = await password();
  if (!pass) {
    io.err('password: give the password on stdin (one line)\n');
    return 2;
  }
  try {
    const t = await login({
      base: v.host ?? 'https://127.0.0.1:8006',
      user: v.user ?? 'root',
      password: pass,
      comment: v.comment ?? 'openve login',
      ca: v.ca ? readCa(v.ca) : undefined,
      insecure: v.insecure,
    });
    io.out(v.json ? `${JSON.stringify(t)}\n` : `${t.token}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ApiFailure) {
      io.err(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
