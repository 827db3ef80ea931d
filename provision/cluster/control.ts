// How corosync and the join service are started: an injectable strategy. On a real node systemd
// does it; tests (several nodes in network namespaces on one machine) set OPENVE_COROSYNC_START /
// OPENVE_SERVICE_START to a JSON argv array run instead (e.g. an `unshare -m` that bind-mounts a
// per-node /run). Reload is always `corosync-cfgtool -R`, which makes every member re-read its file.
import type { CommandRunner } from '../../lib/exec/index.ts';

export interface ClusterControl {
  startCorosync(): Promise<void>;
  reloadCorosync(): Promise<void>;
  startService(): Promise<void>;
}

function argvFromEnv(name: string, fallback: string[][]): string[][] {
  const raw = process.env[name];
  if (!raw) return fallback;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(
      `${name} must be a JSON array of strings (an argv), got ${JSON.stringify(raw)}`,
    );
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length === 0 ||
    !parsed.every((a) => typeof a === 'string')
  ) {
    throw new Error(`${name} must be a non-empty JSON array of strings`);
  }
  return [parsed as string[]];
}

export function controlFromEnv(runner: CommandRunner): ClusterControl {
  // restart, not start: Debian's package may already run corosync with its placeholder config
  const corosync = argvFromEnv('OPENVE_COROSYNC_START', [
    ['systemctl', 'enable', 'corosync.service'],
    ['systemctl', 'restart', 'corosync.service'],
  ]);
  const service = argvFromEnv('OPENVE_SERVICE_START', [
    ['systemctl', 'enable', 'openve-cluster.service'],
    ['systemctl', 'restart', 'openve-cluster.service'],
  ]);
  const runAll = async (list: string[][]) => {
    for (const argv of list) await runner.run(argv, { timeoutMs: 60_000 });
  };
  return {
    async startCorosync() {
      await runAll(corosync);
    },
    async reloadCorosync() {
      await runner.run(['corosync-cfgtool', '-R'], { timeoutMs: 30_000 });
    },
    async startService() {
      await runAll(service);
    },
  };
}
