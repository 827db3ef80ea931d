// A failed container start names LXC's own reasons, taken from its log file; the start runs on
// the runner's streaming path (no execa), with a timeout.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRunner } from '../../../lib/exec/index.ts';
import { Lxc, lxcLogErrors } from '../../../manager/server/engines/lxc.ts';

describe('lxcLogErrors', () => {
  it('keeps the last ERROR lines without LXC prefixes', () => {
    const log = [
      'lxc-start ct-100 20261202131500.123 WARN     cgfsng - cgroups/cgfsng.c:fchowmodat:1611 - No such file',
      'lxc-start ct-100 20261202131500.124 ERROR    apparmor - lsm/apparmor.c:apparmor_prepare:1158 - Cannot use generated profile: apparmor_parser not available',
      'lxc-start ct-100 20261202131500.125 ERROR    start - start.c:__lxc_start:2114 - Failed to initialize container "ct-100"',
      '',
    ].join('\n');
    expect(lxcLogErrors(log)).toEqual([
      'apparmor - lsm/apparmor.c:apparmor_prepare:1158 - Cannot use generated profile: apparmor_parser not available',
      'start - start.c:__lxc_start:2114 - Failed to initialize container "ct-100"',
    ]);
    expect(lxcLogErrors(log, 1)).toHaveLength(1);
    expect(lxcLogErrors('')).toEqual([]);
  });
});

describe('Lxc.start', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const setup = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'openve-mgr-lxc-'));
    dirs.push(dir);
    mkdirSync(path.join(dir, 'ct-mgr'));
    return dir;
  };

  it('runs lxc-start on the streaming path and reports its log and stderr on failure', async () => {
    const dir = setup();
    const runner = createRunner('recording').on({
      match: ['lxc-start'],
      respond: (argv) => {
        writeFileSync(
          argv[argv.indexOf('-o') + 1] as string,
          'lxc-start ct-mgr 20261203051500.125 ERROR    start - start.c:__lxc_start:2114 - Failed to initialize container "ct-mgr"\n',
        );
        return { exitCode: 1, stderr: 'lxc-start: ct-mgr: The container failed to start\n' };
      },
    });
    const lxc = new Lxc(runner, dir);
    const err = await lxc.start('ct-mgr').then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toContain('The container failed to start');
    expect(err?.message).toContain(`LXC's log (${dir}/ct-mgr/start.log)`);
    expect(err?.message).toContain('Failed to initialize container "ct-mgr"');
    expect(runner.calls).toHaveLength(1);
    expect(runner.calls[0]).toMatchObject({
      argv: [
        'lxc-start',
        '-P',
        dir,
        '-n',
        'ct-mgr',
        '-d',
        '-o',
        `${dir}/ct-mgr/start.log`,
        '-l',
        'WARN',
      ],
      stream: true,
    });
    expect(lxc.state('ct-mgr')).toBeUndefined();
  });

  it('is RUNNING after a good start, and a hung lxc-start is killed at its timeout', async () => {
    const dir = setup();
    const runner = createRunner('recording');
    const lxc = new Lxc(runner, dir);
    await lxc.start('ct-mgr');
    expect(lxc.state('ct-mgr')).toBe('RUNNING');
    runner.on({ match: ['lxc-start'], respond: () => new Promise(() => {}) });
    await expect(lxc.start('ct-mgr', 50)).rejects.toThrow(/timed out after 50 ms/);
  });
});
