// `openve-install plan` in-process: --json prints exactly the golden plan; failures are UserErrors
// whose lines are `path: message` (cli.ts prints them and exits 1).
import { afterEach, describe, expect, test, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../../installer/commands/plan.ts';
import { UserError } from '../../../lib/errors.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ok = (name: string) => path.join(root, 'test/golden/answers/ok', name);
const hw = (name: string) => path.join(root, 'test/fixtures/hardware', name);

function capture(): { text: () => string } {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  return { text: () => out };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('openve-install plan', () => {
  test('--json prints the exact plan', async () => {
    const out = capture();
    expect(
      await run([
        '--answer',
        ok('btrfs-raid1-nvme.toml'),
        '--hardware',
        hw('ten-disks.json'),
        '--json',
      ]),
    ).toBe(0);
    expect(out.text()).toBe(readFileSync(ok('btrfs-raid1-nvme.plan.json'), 'utf8'));
  });
  test('readable output: disks to be wiped, volumes, warnings, numbered steps; files only with --verbose', async () => {
    const out = capture();
    expect(await run(['--answer', ok('no-vtx.toml'), '--hardware', hw('no-vtx.json')])).toBe(0);
    const text = out.text();
    expect(text).toContain(
      'Disks that will be WIPED (1):\n  /dev/sda  111.8 GiB  KINGSTON SA400S37120G  serial 50026B7782A1B2C3\n',
    );
    expect(text).toMatch(/Volumes:\n {2}NAME +SIZE\n {2}swap +4.0 GiB\n/);
    expect(text).toContain('Warnings:\n  ! This CPU');
    expect(text).toMatch(/\n {3}1\. wipe:sda +Wiping \/dev\/sda\n/);
    expect(text).not.toContain('/etc/fstab');
    expect(text).not.toContain('passw0rd-fixture');
    const verbose = capture();
    await run(['--answer', ok('no-vtx.toml'), '--hardware', hw('no-vtx.json'), '--verbose']);
    expect(verbose.text()).toContain('--- /etc/fstab (mode 0644)');
  });
  test('a selection failure is a UserError listing every disk', async () => {
    const err = await run([
      '--answer',
      path.join(root, 'test/golden/answers/fail/plan-too-many-matches.toml'),
      '--hardware',
      hw('ten-disks.json'),
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message.split('\n')).toHaveLength(13);
  });
  test('missing --answer and unreadable files are UserErrors', async () => {
    await expect(run([])).rejects.toThrow(/--answer FILE is required/);
    await expect(
      run(['--answer', '/nonexistent.toml', '--hardware', hw('ten-disks.json')]),
    ).rejects.toThrow(/^--answer: \/nonexistent.toml: no such file$/);
  });
});
