// The Unix password check: the system's crypt(3) through perl, over a shadow file (a fixture
// here), with the password on stdin only.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRunner } from '../../../lib/exec/index.ts';
import { unixPasswordCheck } from '../../../manager/server/auth/password.ts';

// perl and mkpasswd spawns take seconds on a loaded 2-core host
vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

const PASSWORD = 'Tr0ub4dor&3 with spaces';
let dir: string;
let check: (u: string, p: string) => Promise<boolean>;
const argvSeen: string[][] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'openve-shadow-'));
  const real = createRunner('real');
  const sha512 = (
    await real.run(['openssl', 'passwd', '-6', '-stdin'], { input: `${PASSWORD}\n` })
  ).stdout.trim();
  const yescrypt = (
    await real.run(['mkpasswd', '-m', 'yescrypt', '--stdin'], { input: `${PASSWORD}\n` })
  ).stdout.trim();
  const shadow = path.join(dir, 'shadow');
  writeFileSync(
    shadow,
    `root:${sha512}:20000:0:99999:7:::\nalice:${yescrypt}:20000:0:99999:7:::\nlocked:!${sha512}:20000::::::\nnopw:*:20000::::::\n`,
  );
  const spy = {
    run: (argv: readonly string[], o?: Parameters<typeof real.run>[1]) => (
      argvSeen.push([...argv]),
      real.run(argv, o)
    ),
  };
  check = unixPasswordCheck(spy, shadow);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('unixPasswordCheck', () => {
  it('accepts the right password for SHA-512 and yescrypt hashes', async () => {
    expect(await check('root', PASSWORD)).toBe(true);
    expect(await check('alice', PASSWORD)).toBe(true);
  });
  it('refuses a wrong password, a locked or password-less account, an unknown user', async () => {
    expect(await check('root', `${PASSWORD}x`)).toBe(false);
    expect(await check('root', '')).toBe(false);
    expect(await check('locked', PASSWORD)).toBe(false);
    expect(await check('nopw', '')).toBe(false);
    expect(await check('bob', PASSWORD)).toBe(false);
    expect(await check('root\nalice', PASSWORD)).toBe(false);
  });
  it('never puts the password in argv', () => {
    expect(argvSeen.length).toBeGreaterThan(0);
    for (const a of argvSeen) expect(a.join(' ')).not.toContain(PASSWORD);
  });
});
