// `openve login`: password on stdin -> a new API token that the other commands accept; a wrong
// password is refused with the server's message and never printed.
import { Readable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../manager/cli/main.ts';
import { loginCommand, readPassword } from '../../../manager/cli/login.ts';
import { TEST_PASSWORD, testManager, type TestManager } from './helpers.ts';

let t: TestManager;
beforeAll(async () => {
  t = await testManager();
}, 60_000);
afterAll(async () => t?.close());

async function login(password: string, ...extra: string[]) {
  let out = '';
  let err = '';
  const code = await loginCommand(
    { host: t.m.url, ca: t.m.certFile, comment: 'test', user: extra[0] },
    { out: (s) => (out += s), err: (s) => (err += s) },
    (f) => readFileSync(f, 'utf8'),
    async () => password,
  );
  return { code, out, err };
}

describe('openve login', () => {
  it('prints a token that the other commands accept', async () => {
    const l = await login(TEST_PASSWORD);
    expect(l.err).toBe('');
    expect(l.code).toBe(0);
    const token = l.out.trim();
    expect(token).toMatch(/\S{20,}/);
    let out = '';
    const code = await main(
      ['--host', t.m.url, '--token', token, '--ca', t.m.certFile, '--json', 'token', 'list'],
      { out: (s) => (out += s), err: () => {} },
    );
    expect(code).toBe(0);
    expect(out).toContain('"comment": "test"');
  });

  it('refuses a wrong password and another user with the server message, printing no secret', async () => {
    const bad = await login('not the password');
    expect(bad.code).toBe(1);
    expect(bad.out).toBe('');
    expect(bad.err).toBe('login failed\n');
    expect(bad.err).not.toContain('not the password');
    const other = await login(TEST_PASSWORD, 'admin');
    expect(other.code).toBe(1);
    expect(other.err).toBe('login failed\n');
  });

  it('asks for the password when stdin is empty', async () => {
    expect((await login('')).code).toBe(2);
  });

  it('reads only the first line of stdin', async () => {
    expect(await readPassword(Readable.from(['pass', 'word\nrest\n']))).toBe('password');
  });
});
