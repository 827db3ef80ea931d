// Logins against a real manager process (bin/openve-manager.js) and real Unix users: two users
// made with useradd + chpasswd (removed at the end), one of them allowed with --allow-user. The
// login ticket survives a restart of the manager (signed, not kept in memory); a logout ends it,
// also across a restart; an expired, tampered or forged ticket gets 401; a user taken off the
// allowed list loses the tickets already issued.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRunner } from '../../../lib/exec/index.ts';
import { ensureLibvirtd, type Daemons } from './libvirtd.ts';

if (process.getuid?.() !== 0)
  throw new Error('auth integration test needs root (useradd, the system password check)');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const runner = createRunner('real');
// user names of helper mgr on the shared host, with the pid so that parallel runs do not clash
const ALLOWED = `ovmgra${process.pid % 10000}`;
const OTHER = `ovmgrb${process.pid % 10000}`;
const PASSWORD = 'It-mgr-pass-7f3a';
const port = 19100 + (process.pid % 700);

let dir: string;
let daemons: Daemons;
let child: ChildProcess | null = null;
let stderr = '';
let ca = '';
const made: string[] = [];

async function start(allow: string[]): Promise<void> {
  stderr = '';
  const args = ['--dev', '--listen', `127.0.0.1:${port}`, '--state', dir];
  for (const u of allow) args.push('--allow-user', u);
  const c = spawn(process.execPath, [path.join(root, 'bin/openve-manager.js'), ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child = c;
  c.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const t0 = Date.now();
  while (!/serving https:/.test(stderr)) {
    if (c.exitCode !== null) throw new Error(`manager exited ${c.exitCode}: ${stderr}`);
    if (Date.now() - t0 > 120_000) throw new Error(`manager did not serve in 120 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  ca = readFileSync(path.join(dir, 'tls/node.pem'), 'utf8');
}

async function stop(): Promise<void> {
  const c = child;
  if (!c || c.exitCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  await exited;
  child = null;
}

interface Answer {
  status: number;
  setCookie: string;
  body: {
    data?: Record<string, unknown> | unknown[] | null;
    errors?: { path: string; message: string }[];
  };
}

function call(
  method: string,
  url: string,
  o: { cookie?: string; csrf?: string; body?: unknown } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
    const req = https.request(
      `https://127.0.0.1:${port}${url}`,
      {
        method,
        ca,
        checkServerIdentity: () => undefined,
        headers: {
          ...(o.cookie ? { cookie: o.cookie } : {}),
          ...(o.csrf ? { 'x-openve-csrf': o.csrf } : {}),
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            setCookie: String(res.headers['set-cookie'] ?? ''),
            body: text ? JSON.parse(text) : {},
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function login(user: string, password = PASSWORD) {
  const r = await call('POST', '/api/v1/access/login', { body: { username: user, password } });
  const cookie = r.setCookie.split(';')[0] ?? '';
  const csrf = (r.body.data as { csrfToken?: string } | undefined)?.csrfToken ?? '';
  return { r, cookie, csrf };
}

const guestsUrl = () => `/api/v1/nodes/${os.hostname().split('.')[0]}/guests`;

beforeAll(async () => {
  daemons = await ensureLibvirtd(runner);
  dir = mkdtempSync(path.join(os.tmpdir(), 'openve-mgr-auth-'));
  for (const u of [ALLOWED, OTHER]) {
    await runner.run(['userdel', '-r', u], { reject: false });
    await runner.run(['useradd', '-m', '-s', '/bin/sh', u]);
    made.push(u);
    await runner.run(['chpasswd'], { input: `${u}:${PASSWORD}\n`, quietOutput: true });
  }
  await start([ALLOWED]);
}, 300_000);

afterAll(async () => {
  await stop();
  for (const u of made) await runner.run(['userdel', '-r', u], { reject: false });
  await daemons?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('logins of real Unix users, across manager restarts', () => {
  let cookie = '';
  let csrf = '';

  it('an allowed user logs in with the Unix password and lists the guests', async () => {
    const l = await login(ALLOWED);
    expect(l.r.status).toBe(200);
    expect(l.cookie).toMatch(/^openve_ticket=/);
    expect(l.r.setCookie).toMatch(/HttpOnly/);
    cookie = l.cookie;
    csrf = l.csrf;
    const g = await call('GET', guestsUrl(), { cookie });
    expect(g.status).toBe(200);
    expect(Array.isArray(g.body.data)).toBe(true);
    // the signing key exists, private to root
    expect(statSync(path.join(dir, 'ticket.key')).mode & 0o777).toBe(0o600);
  });

  it('a wrong password gets 401; a user not on the allowed list gets 403 saying so', async () => {
    const wrong = await login(ALLOWED, 'not-the-password');
    expect(wrong.r.status).toBe(401);
    const other = await login(OTHER);
    expect(other.r.status).toBe(403);
    expect(other.r.body.errors?.[0]).toEqual({
      path: 'username',
      message: expect.stringContaining(`user '${OTHER}' may not log in to this manager`),
    });
    expect(other.cookie).toBe('');
    // no such user at all: the same 401 as a wrong password
    expect((await login('ovmgr-nobody')).r.status).toBe(401);
    const audit = readFileSync(path.join(dir, 'audit.log'), 'utf8');
    expect(audit).toContain(`"user":"${OTHER}"`);
    expect(audit).toContain('not an allowed user');
    expect(audit).not.toContain(PASSWORD);
  });

  it('the cookie and CSRF token still work after the manager restarts', async () => {
    await stop();
    await start([ALLOWED]);
    expect((await call('GET', guestsUrl(), { cookie })).status).toBe(200);
    // a state-changing request: with the CSRF token 201, without it 403
    expect(
      (await call('POST', '/api/v1/access/tokens', { cookie, body: { comment: 'it' } })).status,
    ).toBe(403);
    const t = await call('POST', '/api/v1/access/tokens', {
      cookie,
      csrf,
      body: { comment: 'it' },
    });
    expect(t.status).toBe(201);
  }, 300_000);

  it('a tampered, forged or expired ticket gets 401', async () => {
    const ticket = cookie.slice('openve_ticket='.length);
    const [user, issued, nonce, sig] = ticket.split(':') as [string, string, string, string];
    const as = (t: string) => call('GET', guestsUrl(), { cookie: `openve_ticket=${t}` });
    // another user's name under this ticket's signature
    expect((await as(`root:${issued}:${nonce}:${sig}`)).status).toBe(401);
    // issued later than it was (a longer life)
    const later = (parseInt(issued, 16) + 3600).toString(16);
    expect((await as(`${user}:${later}:${nonce}:${sig}`)).status).toBe(401);
    // a signature from another key
    const forged = createHmac('sha256', Buffer.alloc(32, 7))
      .update(`ticket:${user}:${issued}:${nonce}`)
      .digest('base64url');
    expect((await as(`${user}:${issued}:${nonce}:${forged}`)).status).toBe(401);
    // signed with the manager's own key (the test is root and reads it) but issued 3 h ago:
    // the same ticket issued now is accepted, so only the age refuses the old one
    const key = Buffer.from(readFileSync(path.join(dir, 'ticket.key'), 'utf8').trim(), 'base64');
    const signed = (when: number) => {
      const body = `${user}:${when.toString(16)}:${nonce}`;
      return `${body}:${createHmac('sha256', key).update(`ticket:${body}`).digest('base64url')}`;
    };
    const now = Math.floor(Date.now() / 1000);
    expect((await as(signed(now))).status).toBe(200);
    const old = await as(signed(now - 3 * 3600));
    expect(old.status).toBe(401);
    expect(old.body.errors?.[0]?.path).toBe('authorization');
    expect(JSON.stringify(old.body)).not.toContain(ticket);
  });

  it('after logout the ticket is refused, also after another restart', async () => {
    const out = await call('POST', '/api/v1/access/logout', { cookie, csrf });
    expect(out.status).toBe(200);
    expect(out.setCookie).toMatch(/Max-Age=0/);
    expect((await call('GET', guestsUrl(), { cookie })).status).toBe(401);
    await stop();
    await start([ALLOWED]);
    expect((await call('GET', guestsUrl(), { cookie })).status).toBe(401);
    expect(
      (await call('POST', '/api/v1/access/tokens', { cookie, csrf, body: { comment: 'x' } }))
        .status,
    ).toBe(401);
  }, 300_000);

  it('a user taken off the allowed list loses the tickets already issued', async () => {
    const l = await login(ALLOWED);
    expect(l.r.status).toBe(200);
    await stop();
    await start([]);
    expect((await call('GET', guestsUrl(), { cookie: l.cookie })).status).toBe(401);
    const again = await login(ALLOWED);
    expect(again.r.status).toBe(403);
    expect(existsSync(path.join(dir, 'revoked-tickets.json'))).toBe(true);
  }, 300_000);
});
