import { afterEach, describe, expect, test } from 'vitest';
import type { CommandRunner } from '../../../lib/exec/types.ts';
import { controlFromEnv } from '../../../provision/cluster/control.ts';

function recorder() {
  const calls: string[][] = [];
  const runner: CommandRunner = {
    async run(argv) {
      calls.push([...argv]);
      return { argv: [...argv], exitCode: 0, stdout: '', stderr: '', durationMs: 0 };
    },
  };
  return { calls, runner };
}

describe('start/reload strategy', () => {
  afterEach(() => {
    delete process.env.OPENVE_COROSYNC_START;
    delete process.env.OPENVE_SERVICE_START;
  });

  test('default: systemd enable + restart (the distro may already run corosync), reload via corosync-cfgtool -R', async () => {
    const { calls, runner } = recorder();
    const c = controlFromEnv(runner);
    await c.startCorosync();
    await c.startService();
    await c.reloadCorosync();
    expect(calls).toEqual([
      ['systemctl', 'enable', 'corosync.service'],
      ['systemctl', 'restart', 'corosync.service'],
      ['systemctl', 'enable', 'openve-cluster.service'],
      ['systemctl', 'restart', 'openve-cluster.service'],
      ['corosync-cfgtool', '-R'],
    ]);
  });

  test('tests inject an argv through the environment; malformed values are named', async () => {
    const { calls, runner } = recorder();
    process.env.OPENVE_COROSYNC_START = JSON.stringify(['unshare', '-m', 'corosync']);
    await controlFromEnv(runner).startCorosync();
    expect(calls).toEqual([['unshare', '-m', 'corosync']]);
    process.env.OPENVE_COROSYNC_START = 'corosync -f';
    expect(() => controlFromEnv(runner)).toThrow(/OPENVE_COROSYNC_START must be a JSON array/);
    process.env.OPENVE_COROSYNC_START = '[]';
    expect(() => controlFromEnv(runner)).toThrow(/non-empty JSON array/);
  });
});
