// How corosync and the cluster service are started, stopped, reloaded and asked for quorum: an
// injectable strategy.
//   --root /    (a real node): systemd (`systemctl enable/restart`, `disable --now`) and the corosync
//               tools (`corosync-cfgtool -R / -H`, `corosync-quorumtool -s`).
//   --root DIR  nothing outside DIR is touched: no systemctl, no corosync tool (they would act on this
//               machine's corosync, not DIR's); each skipped action is reported in one line. Unless
//               the caller says how DIR's daemons run: OPENVE_COROSYNC_START / OPENVE_SERVICE_START
//               (JSON argv arrays, e.g. the namespace lab's `unshare -m` with a per-node /run). Then
//               corosync's tools are used in the current network namespace (its IPC sockets are
//               abstract, so per namespace), and the service is stopped by the PID in DIR/run.
//               libvirt TLS: its files are written below DIR, its systemctl part always skipped.
import { existsSync, readFileSync } from 'node:fs';
import type { CommandRunner } from '../../lib/exec/index.ts';
import { isRooted, type NodePaths } from '../paths.ts';
import { queryQuorum, type QuorumStatus } from './status.ts';

export interface ClusterControl {
  /** false when corosync is not run at all (--root DIR without a start strategy) */
  readonly live: boolean;
  startCorosync(): Promise<void>;
  /** `corosync-cfgtool -R`: every member re-reads its corosync.conf */
  reloadCorosync(): Promise<void>;
  stopCorosync(): Promise<void>;
  startService(): Promise<void>;
  stopService(): Promise<void>;
  quorum(): Promise<QuorumStatus>;
  /**
   * libvirt TLS (provision/cluster/libvirtTls.ts wrote the files): enable and start
   * libvirtd-tls.socket; with `restart` (or when that socket was not active: a running libvirtd
   * only gets the sockets systemd had at its start) stop libvirtd, start the socket, start libvirtd.
   */
  libvirtTls(restart: boolean): Promise<void>;
}

type Env = Readonly<Record<string, string | undefined>>;

function argvFromEnv(env: Env, name: string): string[][] | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`${name} must be a JSON array of strings (an argv)`);
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

const NOT_RUNNING: QuorumStatus = { running: false, quorate: false, members: [] };

export function controlFromEnv(
  runner: CommandRunner,
  paths: NodePaths,
  out: (line: string) => void = () => undefined,
  env: Env = process.env,
): ClusterControl {
  const rooted = isRooted(paths);
  const runAll = async (list: string[][]) => {
    for (const argv of list) await runner.run(argv, { timeoutMs: 60_000 });
  };
  const skip = (what: string, would: string[][]) => async () => {
    out(
      `--root ${paths.root}: skipped ${what} (would run: ${would.map((a) => a.join(' ')).join('; ')}); do it for this root yourself`,
    );
  };
  const corosyncStart = argvFromEnv(env, 'OPENVE_COROSYNC_START');
  const serviceStart = argvFromEnv(env, 'OPENVE_SERVICE_START');
  // restart, not start: Debian's package may already run corosync with its placeholder config
  const systemd = {
    corosyncStart: [
      ['systemctl', 'enable', 'corosync.service'],
      ['systemctl', 'restart', 'corosync.service'],
    ],
    corosyncStop: [['systemctl', 'disable', '--now', 'corosync.service']],
    serviceStart: [
      ['systemctl', 'enable', 'openve-cluster.service'],
      ['systemctl', 'restart', 'openve-cluster.service'],
    ],
    serviceStop: [['systemctl', 'disable', '--now', 'openve-cluster.service']],
    libvirtEnable: [['systemctl', 'enable', '--now', 'libvirtd-tls.socket']],
    // libvirtd is socket-activated: stopped alone, any client (libvirt-guests, the manager)
    // starts it again at once, and systemd then refuses the TLS socket ("Socket service
    // libvirtd.service already active, refusing", seen on an installed node): stop it with all
    // its sockets, enable the TLS one, start the sockets, then the service
    libvirtRestart: [
      ['systemctl', 'stop', 'libvirtd.service', ...LIBVIRTD_SOCKETS],
      ['systemctl', 'enable', 'libvirtd-tls.socket'],
      ['systemctl', 'start', ...LIBVIRTD_SOCKETS],
      ['systemctl', 'start', 'libvirtd.service'],
    ],
  };
  const corosyncLive = !rooted || corosyncStart !== undefined;
  const serviceLive = !rooted || serviceStart !== undefined;
  const reload = [['corosync-cfgtool', '-R']];
  const corosyncStopArgv = rooted ? [['corosync-cfgtool', '-H']] : systemd.corosyncStop;
  return {
    live: corosyncLive,
    startCorosync: corosyncLive
      ? () => runAll(corosyncStart ?? systemd.corosyncStart)
      : skip('starting corosync', systemd.corosyncStart),
    reloadCorosync: corosyncLive
      ? async () => void (await runner.run(reload[0]!, { timeoutMs: 30_000 }))
      : skip('reloading corosync', reload),
    stopCorosync: corosyncLive
      ? async () => {
          await runner.run(corosyncStopArgv[0]!, { timeoutMs: 30_000, reject: false });
        }
      : skip('stopping corosync', corosyncStopArgv),
    startService: serviceLive
      ? () => runAll(serviceStart ?? systemd.serviceStart)
      : skip('starting the cluster service', systemd.serviceStart),
    stopService: !serviceLive
      ? skip('stopping the cluster service', systemd.serviceStop)
      : rooted
        ? async () => stopByPidFile(paths.servicePid)
        : () => runAll(systemd.serviceStop),
    quorum: corosyncLive ? () => queryQuorum(runner) : async () => NOT_RUNNING,
    // --root DIR: DIR's libvirtd is not this machine's (its files are written below DIR, though)
    libvirtTls: rooted
      ? (restart) =>
          skip('enabling libvirt TLS', restart ? systemd.libvirtRestart : systemd.libvirtEnable)()
      : async (restart) => {
          const active = await runner.run(
            ['systemctl', 'is-active', '--quiet', 'libvirtd-tls.socket'],
            { reject: false, timeoutMs: 30_000 },
          );
          await runAll(
            restart || active.exitCode !== 0 ? systemd.libvirtRestart : systemd.libvirtEnable,
          );
        },
  };
}

/** libvirtd's sockets on Debian trixie (libvirtd.service is started through them) */
const LIBVIRTD_SOCKETS = [
  'libvirtd.socket',
  'libvirtd-ro.socket',
  'libvirtd-admin.socket',
  'libvirtd-tls.socket',
];

/** The rooted service (`pveca serve --detach`) writes its PID below the root: stop exactly that process. */
async function stopByPidFile(file: string): Promise<void> {
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
