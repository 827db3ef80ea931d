// One end-to-end case: build the ISO with the case's answer, install unattended in QEMU (install
// boot ends at the reboot: -no-reboot), boot the installed disk without the ISO, check the node
// over SSH. Every phase is timed; results go to <workDir>/result.json.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { realRunner } from '../../../lib/exec/runner.ts';
import type { CommandRunner } from '../../../lib/exec/types.ts';
import {
  ADDRESS,
  FIRST_BOOT_HOOK,
  MARKERS,
  disksFor,
  renderAnswer,
  type E2eCase,
} from './answers.ts';
import { OVMF_VARS, hasHardwareVirt, qemuArgv, type VmSpec } from './qemu.ts';
import { nodeChecks, type CheckResult } from './checks.ts';
import { sshTo, waitForSsh, type Ssh } from './ssh.ts';
import { bootOnceMore, noteRetry, watchCrash } from './crash.ts';
import { managerChecks, managerChecksWanted } from './managerChecks.ts';
import { freePort, secs } from './util.ts';

export const REPO = path.resolve(import.meta.dirname, '../../..');
export const PASSWORD = 'passw0rd-fixture';

export interface ScenarioResult {
  case: E2eCase;
  iso: string;
  isoBytes: number;
  serialInstall: string;
  serialNode: string;
  seconds: {
    isoBuild: number;
    bootToInstaller: number | null; // QEMU start -> installer service running
    install: number | null; // `openve-install auto` alone, as it reported
    extractOnly: number | null; // payload extraction alone, same VM, same disk
    installBoot: number; // whole install VM run
    nodeBoot: number | null; // QEMU start of the installed disk -> SSH works
    totalToNode: number | null; // install QEMU start -> SSH on the booted node
    managerChecks?: number; // the node manager's checks (managerChecks.ts)
  };
  installOk: boolean;
  installError?: string;
  /** from the install log on the node: seconds before the engine started, then each step's seconds */
  installSteps?: Record<string, number>;
  checks: CheckResult[];
  /** boots repeated because the guest kernel crashed under TCG (crash.ts) */
  retries?: string[];
}

export interface ScenarioOptions {
  workDir: string;
  log: (line: string) => void;
  runner?: CommandRunner;
  installTimeoutMs?: number;
  nodeTimeoutMs?: number;
}

export async function runScenario(c: E2eCase, opts: ScenarioOptions): Promise<ScenarioResult> {
  const runner = opts.runner ?? realRunner();
  const dir = opts.workDir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const log = opts.log;

  // SSH key for root-ssh-keys; first-boot hook; answer.
  const key = path.join(dir, 'id_ed25519');
  await runner.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'openve-e2e', '-f', key]);
  const answer = path.join(dir, 'answer.toml');
  writeFileSync(answer, renderAnswer(c, readFileSync(`${key}.pub`, 'utf8'), PASSWORD));
  const hook = path.join(dir, 'first-boot.sh');
  writeFileSync(hook, FIRST_BOOT_HOOK, { mode: 0o755 });

  const iso = path.join(dir, 'openve.iso');
  const t0 = performance.now();
  await runner.run(
    [
      process.execPath,
      path.join(REPO, 'bin/openve-install.js'),
      'build-iso',
      '--out',
      iso,
      '--answer',
      answer,
      '--on-first-boot',
      hook,
      '--for-tests',
      '--kernel-arg',
      'openve.bench-extract=plan',
    ],
    { cwd: REPO },
  );
  const isoBuild = secs(t0);
  const isoBytes = Number(JSON.parse(readFileSync(`${iso}.json`, 'utf8')).bytes);
  log(`${c.name}: ISO built in ${isoBuild}s (${Math.round(isoBytes / 1048576)} MiB)`);

  const disks = disksFor(c).map((_, i) => path.join(dir, `disk${i}.qcow2`));
  for (const d of disks) await runner.run(['qemu-img', 'create', '-q', '-f', 'qcow2', d, '32G']);
  const varsFile = path.join(dir, 'OVMF_VARS_4M.fd');
  if (c.firmware === 'uefi') copyFileSync(OVMF_VARS, varsFile);
  const kvm = hasHardwareVirt(readFileSync('/proc/cpuinfo', 'utf8'));
  const sshPort = await freePort();
  const base: Omit<VmSpec, 'serialLog'> = {
    firmware: c.firmware,
    varsFile,
    disks,
    sshPort,
    kvm,
    // a container asking by DHCP on the node's vmbr0 must not be handed the node's own address
    ...(c.network === 'static' ? { staticGuest: ADDRESS } : {}),
  };

  // 1. Install boot: ISO first; the installer reboots at the end, which ends QEMU (-no-reboot).
  // A guest kernel killed by TCG's text-patching race is booted once more (crash.ts).
  const serialInstall = path.join(dir, 'serial-install.log');
  const installStart = performance.now();
  const retries: string[] = [];
  const note = noteRetry(retries, (line) => log(`${c.name}: ${line}`));
  let seen = markerClock(installStart);
  const installResult = await bootOnceMore(
    'install boot',
    serialInstall,
    async (attempt) => {
      if (attempt === 2) {
        if (c.firmware === 'uefi') copyFileSync(OVMF_VARS, varsFile);
        seen = markerClock(installStart);
      }
      const pidFile = path.join(dir, 'qemu-install.pid');
      const watch = watchCrash(serialInstall, pidFile, 1000, seen.see);
      const value = await runner.run(
        qemuArgv({
          ...base,
          iso,
          isoAs: c.medium ?? 'cdrom',
          serialLog: serialInstall,
          noReboot: true,
          pidFile,
        }),
        { timeoutMs: opts.installTimeoutMs ?? 30 * 60_000, reject: false },
      );
      watch.stop();
      return { died: watch.crashed(), value };
    },
    note,
  );
  const installBoot = secs(installStart);
  const serial = existsSync(serialInstall) ? readFileSync(serialInstall, 'utf8') : '';
  const okMatch = MARKERS.installOk.exec(serial);
  const benchMatch = MARKERS.bench.exec(serial);
  const failed = MARKERS.installFailed.exec(serial);
  const result: ScenarioResult = {
    case: c,
    iso,
    isoBytes,
    serialInstall,
    serialNode: path.join(dir, 'serial-node.log'),
    seconds: {
      isoBuild,
      bootToInstaller: seen.first('installerStarted'),
      install: okMatch ? Number(okMatch[1]) : null,
      extractOnly: benchMatch ? Number(benchMatch[1]) : null,
      installBoot,
      nodeBoot: null,
      totalToNode: null,
    },
    installOk: Boolean(okMatch),
    checks: [],
    ...(retries.length ? { retries } : {}),
  };
  log(
    `${c.name}: install boot ended after ${installBoot}s (qemu exit ${installResult.exitCode}): ${okMatch ? 'installed' : 'NOT installed'}`,
  );
  if (!okMatch) {
    result.installError =
      failed?.[0] ??
      `no OPENVE-INSTALL marker on the serial console (qemu exit ${installResult.exitCode}); see ${serialInstall}`;
    save(dir, result);
    return result;
  }

  // 2. Node boot: the disk alone.
  // After a USB install boot OVMF has persisted a BootOrder narrowed to the stick (QEMU's bootindex
  // list has only it) and, with the stick gone, drops to its shell instead of scanning the disk.
  // Start that node with fresh NVRAM: the disk must then boot from its removable path
  // (\EFI\BOOT\BOOTX64.EFI), as on a board whose NVRAM was cleared.
  if (c.medium === 'usb' && c.firmware === 'uefi') copyFileSync(OVMF_VARS, varsFile);
  const nodeStart = performance.now();
  const ssh = sshTo(runner, key, sshPort);
  const node = await bootOnceMore(
    'node boot',
    result.serialNode,
    async () => {
      const pidFile = path.join(dir, 'qemu-node.pid');
      const run = runner.run(qemuArgv({ ...base, serialLog: result.serialNode, pidFile }), {
        timeoutMs: opts.nodeTimeoutMs ?? 20 * 60_000,
        reject: false,
      });
      let exited = false;
      void run.then(() => (exited = true));
      const watch = watchCrash(result.serialNode, pidFile);
      const ok = await waitForSsh(ssh, {
        deadline: Date.now() + 10 * 60_000,
        pauseMs: 3000,
        gone: () => exited || watch.crashed() !== null,
      });
      const died = ok ? null : watch.crashed();
      if (died) await run; // killed by the watcher: gone before the next boot
      watch.stop();
      return { died, value: { up: ok, run } };
    },
    note,
  );
  if (retries.length) result.retries = retries;
  if (node.up) {
    result.seconds.nodeBoot = secs(nodeStart);
    result.seconds.totalToNode = secs(installStart);
    log(`${c.name}: node answers SSH ${result.seconds.nodeBoot}s after boot`);
    result.checks = await nodeChecks(c, ssh);
    if (managerChecksWanted()) {
      const m0 = performance.now();
      result.checks.push(...(await managerChecks(ssh, PASSWORD)));
      result.seconds.managerChecks = secs(m0);
      log(`${c.name}: manager checks took ${result.seconds.managerChecks}s`);
    }
    const steps = await ssh(`grep -E 'process up|== [^ ]+ done in' ${INSTALL_LOG}`, 30_000);
    result.installSteps = parseInstallSteps(steps.stdout);
    result.checks.push(await powerOff(ssh, node.run, result.serialNode));
  } else {
    result.checks = [
      {
        name: 'ssh',
        ok: false,
        detail: `no SSH login on 127.0.0.1:${sshPort} (see ${result.serialNode})`,
      },
    ];
  }
  const nodeResult = await Promise.race([node.run, after(90_000)]);
  if (nodeResult === null)
    log(`${c.name}: node VM did not power off within 90 s (left to its timeout)`);
  save(dir, result);
  return result;
}

const INSTALL_LOG = '/var/log/openve-install/install.log';

const after = (ms: number) => new Promise<null>((res) => setTimeout(() => res(null), ms));

/** the budget for a node's poweroff with its guests running: systemd's final stage alone waits 90 s
 * for a process that does not go (a container nothing shut down) */
export const POWEROFF_BUDGET_S = 75;

/**
 * `systemctl poweroff` on the node, timed until QEMU exits: the guests the manager checks left
 * running (a container) must be shut down by openve-guests.service, not waited for and killed.
 */
async function powerOff(ssh: Ssh, run: Promise<unknown>, serialNode: string): Promise<CheckResult> {
  const t0 = performance.now();
  await ssh('systemctl poweroff', 10_000);
  const took = await Promise.race([run.then(() => secs(t0)), after(120_000)]);
  const text = existsSync(serialNode) ? readFileSync(serialNode, 'utf8') : '';
  const said = [...text.matchAll(/openve-guests: [^\r\n]*/g)].map((m) => m[0]);
  const waited = /systemd-shutdown\[1\]: Waiting for process: [^\r\n]*/.exec(text)?.[0];
  return {
    name: `powers off within ${POWEROFF_BUDGET_S} s, its guests shut down (openve-guests)`,
    ok: took !== null && took < POWEROFF_BUDGET_S && !waited,
    detail: [took === null ? 'still running after 120 s' : `${took} s`, ...said, waited ?? '']
      .filter(Boolean)
      .join('\n'),
  };
}

/** `... (process up 6.1 s)` and `== extract:payload done in 44184 ms` lines -> { startup: 6.1, 'extract:payload': 44.2 } */
export function parseInstallSteps(log: string): Record<string, number> {
  const out: Record<string, number> = {};
  const up = /process up ([0-9.]+) s/.exec(log);
  if (up) out.startup = Number(up[1]);
  for (const m of log.matchAll(/== (\S+) done in (\d+) ms/g))
    out[m[1] as string] = Math.round(Number(m[2]) / 100) / 10;
  return out;
}

function save(dir: string, result: ScenarioResult): void {
  writeFileSync(path.join(dir, 'result.json'), JSON.stringify(result, null, 2) + '\n');
}

/** When each marker first appeared in a serial log's text, in seconds after start. */
function markerClock(start: number) {
  const firstSeen: Partial<Record<keyof typeof MARKERS, number>> = {};
  return {
    see: (text: string) => {
      for (const [name, re] of Object.entries(MARKERS) as [keyof typeof MARKERS, RegExp][]) {
        if (firstSeen[name] === undefined && re.test(text)) firstSeen[name] = secs(start);
      }
    },
    first: (name: keyof typeof MARKERS) => firstSeen[name] ?? null,
  };
}
