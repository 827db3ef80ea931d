import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { CommandRunner } from '../../../lib/exec/types.ts';
import { controlFromEnv } from '../../../provision/cluster/control.ts';
import { nodePaths } from '../../../provision/paths.ts';

function recorder(exitCode: (argv: readonly string[]) => number = () => 0) {
  const calls: string[][] = [];
  const runner: CommandRunner = {
    async run(argv) {
      calls.push([...argv]);
      return { argv: [...argv], exitCode: exitCode(argv), stdout: '', stderr: '', durationMs: 0 };
    },
  };
  return { calls, runner };
}

const everything = async (c: ReturnType<typeof controlFromEnv>) => {
  await c.startCorosync();
  await c.startService();
  await c.reloadCorosync();
  await c.stopCorosync();
  await c.stopService();
  return c.quorum();
};

describe('start/stop/reload strategy', () => {
  test('a real node (root /): systemd enable + restart, disable --now; corosync-cfgtool -R; quorumtool', async () => {
    const { calls, runner } = recorder();
    await everything(controlFromEnv(runner, nodePaths('/'), () => undefined, {}));
    expect(calls).toEqual([
      ['systemctl', 'enable', 'corosync.service'],
      ['systemctl', 'restart', 'corosync.service'],
      ['systemctl', 'enable', 'openve-cluster.service'],
      ['systemctl', 'restart', 'openve-cluster.service'],
      ['corosync-cfgtool', '-R'],
      ['systemctl', 'disable', '--now', 'corosync.service'],
      ['systemctl', 'disable', '--now', 'openve-cluster.service'],
      ['corosync-quorumtool', '-s'],
    ]);
  });

  test('--root DIR without a start strategy runs nothing on this machine and says so per action', async () => {
    const { calls, runner } = recorder();
    const lines: string[] = [];
    const root = mkdtempSync(path.join(os.tmpdir(), 'openve-control-'));
    const status = await everything(
      controlFromEnv(runner, nodePaths(root), (l) => lines.push(l), {}),
    );
    expect(calls).toEqual([]);
    expect(status).toEqual({ running: false, quorate: false, members: [] });
    expect(lines).toHaveLength(5);
    for (const l of lines)
      expect(l).toMatch(new RegExp(`^--root ${root}: skipped .*\\(would run: `));
    expect(lines[0]).toMatch(/skipped starting corosync \(would run: systemctl enable corosync/);
  });

  test('--root DIR with OPENVE_COROSYNC_START / OPENVE_SERVICE_START: those argv, corosync tools in this namespace', async () => {
    const { calls, runner } = recorder();
    const root = mkdtempSync(path.join(os.tmpdir(), 'openve-control-'));
    const env = {
      OPENVE_COROSYNC_START: JSON.stringify(['unshare', '-m', 'corosync']),
      OPENVE_SERVICE_START: JSON.stringify(['node', 'pveca.mjs', 'serve', '--detach']),
    };
    await everything(controlFromEnv(runner, nodePaths(root), () => undefined, env));
    expect(calls).toEqual([
      ['unshare', '-m', 'corosync'],
      ['node', 'pveca.mjs', 'serve', '--detach'],
      ['corosync-cfgtool', '-R'],
      ['corosync-cfgtool', '-H'],
      ['corosync-quorumtool', '-s'],
    ]);
  });

  test('malformed strategy values are named', () => {
    const { runner } = recorder();
    const make = (v: string) =>
      controlFromEnv(runner, nodePaths('/'), () => undefined, { OPENVE_COROSYNC_START: v });
    expect(() => make('corosync -f')).toThrow(/OPENVE_COROSYNC_START must be a JSON array/);
    expect(() => make('[]')).toThrow(/non-empty JSON array/);
  });

  describe('libvirt TLS', () => {
    const RESTART = [
      [
        'systemctl',
        'stop',
        'libvirtd.service',
        'libvirtd.socket',
        'libvirtd-ro.socket',
        'libvirtd-admin.socket',
        'libvirtd-tls.socket',
      ],
      ['systemctl', 'enable', 'libvirtd-tls.socket'],
      [
        'systemctl',
        'start',
        'libvirtd.socket',
        'libvirtd-ro.socket',
        'libvirtd-admin.socket',
        'libvirtd-tls.socket',
      ],
      ['systemctl', 'start', 'libvirtd.service'],
    ];
    const IS_ACTIVE = ['systemctl', 'is-active', '--quiet', 'libvirtd-tls.socket'];

    test('a real node, files changed: libvirtd stopped, the TLS socket enabled and started, libvirtd started (it gets the socket from systemd)', async () => {
      const { calls, runner } = recorder();
      await controlFromEnv(runner, nodePaths('/'), () => undefined, {}).libvirtTls(true);
      expect(calls).toEqual([IS_ACTIVE, ...RESTART]);
    });

    test('a real node, nothing changed and the socket active: only enable --now (a no-op), no restart', async () => {
      const { calls, runner } = recorder();
      await controlFromEnv(runner, nodePaths('/'), () => undefined, {}).libvirtTls(false);
      expect(calls).toEqual([IS_ACTIVE, ['systemctl', 'enable', '--now', 'libvirtd-tls.socket']]);
    });

    test('a real node, nothing changed but the socket inactive: the restart sequence all the same', async () => {
      const { calls, runner } = recorder((a) => (a[1] === 'is-active' ? 3 : 0));
      await controlFromEnv(runner, nodePaths('/'), () => undefined, {}).libvirtTls(false);
      expect(calls).toEqual([IS_ACTIVE, ...RESTART]);
    });

    test('--root DIR (even with start strategies): no systemctl, the skipped sequence named', async () => {
      const { calls, runner } = recorder();
      const lines: string[] = [];
      const root = mkdtempSync(path.join(os.tmpdir(), 'openve-control-'));
      const env = { OPENVE_SERVICE_START: JSON.stringify(['true']) };
      await controlFromEnv(runner, nodePaths(root), (l) => lines.push(l), env).libvirtTls(true);
      expect(calls).toEqual([]);
      expect(lines).toEqual([
        `--root ${root}: skipped enabling libvirt TLS (would run: ${RESTART.map((a) => a.join(' ')).join('; ')}); do it for this root yourself`,
      ]);
    });
  });
});
