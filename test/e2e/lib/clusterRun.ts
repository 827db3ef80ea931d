// Two-node cluster e2e (issue 6): build the ISO with node1's answer ([cluster] create), embed
// node2's answer ([cluster] join) with prepare-iso, install both unattended in QEMU in parallel,
// boot both disks with their management NICs on one private QEMU socket network (loopback only),
// then check over SSH that `pveca -l --json` shows both nodes online and the cluster quorate on
// both nodes. Every phase is timed; results go to <workDir>/result.json.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { realRunner } from '../../../lib/exec/runner.ts';
import type { CommandResult, CommandRunner } from '../../../lib/exec/types.ts';
import { MARKERS } from './answers.ts';
import { hasHardwareVirt, qemuArgv } from './qemu.ts';
import { REPO, PASSWORD } from './scenario.ts';
import {
  CLUSTER_FIRST_BOOT_HOOK,
  CLUSTER_HOOK_MARKER,
  CLUSTER_NAME,
  NODES,
  renderClusterAnswer,
  type ClusterNode,
} from './clusterAnswers.ts';
import { sshTo, waitForSsh, type Ssh } from './ssh.ts';
import { freePort, secs } from './util.ts';
import { migrationChecks, type MigrateFigures } from './clusterMigrate.ts';
import { revocationChecks } from './clusterRevoke.ts';

export interface NodeOutcome {
  name: string;
  installOk: boolean;
  installError?: string;
  installSeconds: number | null; // as the installer reported
  installBoot: number; // whole install VM run
  nodeBoot: number | null; // QEMU start -> SSH works (after first boot incl. the cluster step)
  clusterLine: string | null; // the cluster-init result line from the serial console
  pveca: unknown; // parsed `pveca -l --json`
  serialInstall: string;
  serialNode: string;
}

export interface ClusterCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ClusterResult {
  seconds: {
    isoBuild: number; // build-iso with node1's answer
    prepareIso: number; // prepare-iso with node2's answer
    installBoth: number; // both install VMs, in parallel
    bootToQuorate: number | null; // node1 QEMU start -> both nodes list 2 online members, quorate
    total: number | null;
  };
  nodes: NodeOutcome[];
  checks: ClusterCheck[];
  /** the live migration of the stub VM node1 -> node2 (null: not reached or OPENVE_E2E_MIGRATE=0) */
  migration: (MigrateFigures & { loadavg: string }) | null;
}

export interface ClusterOptions {
  workDir: string;
  log: (line: string) => void;
  runner?: CommandRunner;
  installTimeoutMs?: number;
  bootTimeoutMs?: number;
}

export async function runCluster(opts: ClusterOptions): Promise<ClusterResult> {
  const runner = opts.runner ?? realRunner();
  const dir = opts.workDir;
  const log = opts.log;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const tStart = performance.now();

  const key = path.join(dir, 'id_ed25519');
  await runner.run([
    'ssh-keygen',
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'openve-e2e-cluster',
    '-f',
    key,
  ]);
  const pub = readFileSync(`${key}.pub`, 'utf8');
  const hook = path.join(dir, 'first-boot.sh');
  writeFileSync(hook, CLUSTER_FIRST_BOOT_HOOK, { mode: 0o755 });
  const [n1, n2] = NODES;
  const answers = [n1, n2].map((n, i) => {
    const file = path.join(dir, `answer-${n.name}.toml`);
    writeFileSync(file, renderClusterAnswer(n, i === 0 ? 'create' : 'join', pub, PASSWORD));
    return file;
  });
  const cli = [process.execPath, path.join(REPO, 'bin/openve-install.js')];
  const iso1 = path.join(dir, `openve-${n1.name}.iso`);
  const iso2 = path.join(dir, `openve-${n2.name}.iso`);
  let t = performance.now();
  await runner.run(
    [...cli, 'build-iso', '--out', iso1, '--answer', answers[0]!, '--on-first-boot', hook],
    { cwd: REPO },
  );
  const isoBuild = secs(t);
  t = performance.now();
  await runner.run(
    [
      ...cli,
      'prepare-iso',
      '--in',
      iso1,
      '--answer',
      answers[1]!,
      '--on-first-boot',
      hook,
      '--out',
      iso2,
    ],
    { cwd: REPO },
  );
  const prepareIso = secs(t);
  log(`cluster: ISO built in ${isoBuild}s, node2's answer embedded in ${prepareIso}s`);

  const kvm = hasHardwareVirt(readFileSync('/proc/cpuinfo', 'utf8'));
  const vms = await Promise.all(
    [n1, n2].map(async (n, i) => {
      const disk = path.join(dir, `disk-${n.name}.qcow2`);
      await runner.run(['qemu-img', 'create', '-q', '-f', 'qcow2', disk, '32G']);
      return {
        node: n,
        iso: i === 0 ? iso1 : iso2,
        disk,
        sshPort: await freePort(),
        ssh: null as Ssh | null,
      };
    }),
  );
  const outcomes: NodeOutcome[] = vms.map((v) => ({
    name: v.node.name,
    installOk: false,
    installSeconds: null,
    installBoot: 0,
    nodeBoot: null,
    clusterLine: null,
    pveca: null,
    serialInstall: path.join(dir, `serial-install-${v.node.name}.log`),
    serialNode: path.join(dir, `serial-node-${v.node.name}.log`),
  }));
  const result: ClusterResult = {
    seconds: { isoBuild, prepareIso, installBoth: 0, bootToQuorate: null, total: null },
    nodes: outcomes,
    checks: [],
    migration: null,
  };

  // 1. Install both in parallel; the management NIC sits on an isolated user-mode network here
  //    (restrict=on: nothing leaves it), it only has to exist for the answer's filter.
  t = performance.now();
  await Promise.all(
    vms.map(async (v, i) => {
      const o = outcomes[i]!;
      const start = performance.now();
      const argv = [
        ...qemuArgv({
          firmware: 'bios',
          disks: [v.disk],
          iso: v.iso,
          sshPort: v.sshPort,
          serialLog: o.serialInstall,
          kvm,
          noReboot: true,
        }),
        '-netdev',
        'user,id=mgmt,restrict=on',
        '-device',
        `virtio-net-pci,netdev=mgmt,mac=${v.node.mac}`,
      ];
      const r = await runner.run(argv, {
        timeoutMs: opts.installTimeoutMs ?? 40 * 60_000,
        reject: false,
      });
      o.installBoot = secs(start);
      const serial = existsSync(o.serialInstall) ? readFileSync(o.serialInstall, 'utf8') : '';
      const ok = MARKERS.installOk.exec(serial);
      o.installOk = Boolean(ok);
      o.installSeconds = ok ? Number(ok[1]) : null;
      if (!ok)
        o.installError =
          MARKERS.installFailed.exec(serial)?.[0] ??
          `no OPENVE-INSTALL marker (qemu exit ${r.exitCode}: ${r.stderr.trim()}); see ${o.serialInstall}`;
      log(
        `cluster: ${v.node.name} install VM ended after ${o.installBoot}s: ${ok ? `installed (installer ${ok[1]}s)` : o.installError}`,
      );
    }),
  );
  result.seconds.installBoth = secs(t);
  if (!outcomes.every((o) => o.installOk)) {
    save(dir, result);
    return result;
  }

  // 2. Boot both disks; node1 listens on the private socket network, node2 connects (loopback).
  const linkPort = await freePort();
  const bootStart = performance.now();
  const running: Promise<CommandResult>[] = [];
  for (const [i, v] of vms.entries()) {
    const o = outcomes[i]!;
    const link = i === 0 ? `listen=127.0.0.1:${linkPort}` : `connect=127.0.0.1:${linkPort}`;
    const argv = [
      ...qemuArgv({
        firmware: 'bios',
        disks: [v.disk],
        sshPort: v.sshPort,
        serialLog: o.serialNode,
        kvm,
      }),
      '-netdev',
      `socket,id=mgmt,${link}`,
      '-device',
      `virtio-net-pci,netdev=mgmt,mac=${v.node.mac}`,
    ];
    running.push(
      runner
        .run(argv, { timeoutMs: opts.bootTimeoutMs ?? 40 * 60_000, reject: false })
        .then((r) => {
          log(
            `cluster: ${v.node.name} node VM exited (${r.exitCode})${r.exitCode === 0 ? '' : `: ${r.stderr.trim()}`}`,
          );
          return r;
        }),
    );
    // node2 may only connect once node1's QEMU listens (seen in /proc/net/tcp: a probe connection
    // would take the socket network's single peer slot)
    if (i === 0) await waitFor(() => listening(linkPort), 60_000);
    v.ssh = sshTo(runner, key, v.sshPort);
  }
  let exited = false;
  void Promise.race(running).then(() => (exited = true));

  // SSH comes up after multi-user.target, i.e. after the cluster step (see clusterAnswers.ts).
  const deadline = Date.now() + 20 * 60_000;
  await Promise.all(
    vms.map(async (v, i) => {
      const o = outcomes[i]!;
      if (await waitForSsh(v.ssh!, { deadline, pauseMs: 5000, gone: () => exited })) {
        o.nodeBoot = secs(bootStart);
        log(`cluster: ${v.node.name} answers SSH ${o.nodeBoot}s after boot`);
      }
    }),
  );
  for (const o of outcomes) o.clusterLine = clusterLine(o.serialNode);

  if (outcomes.every((o) => o.nodeBoot !== null)) {
    // 3. Both nodes must list two online members and quorum (corosync may take a moment).
    const quorateBy = Date.now() + 5 * 60_000;
    let views: unknown[] = [];
    while (Date.now() < quorateBy) {
      views = await Promise.all(vms.map((v) => pvecaList(v.ssh!)));
      if (views.every((view) => clusterHealthy(view))) break;
      await sleep(3000);
    }
    if (views.every((view) => clusterHealthy(view))) result.seconds.bootToQuorate = secs(bootStart);
    vms.forEach((_, i) => (outcomes[i]!.pveca = views[i]));
    for (const [i, v] of vms.entries()) result.checks.push(...nodeChecks(v.node, views[i]));
    for (const v of vms) {
      const hookRan = await v.ssh!(`cat ${CLUSTER_HOOK_MARKER}`, 30_000);
      result.checks.push({
        name: `${v.node.name}: first-boot hook ran`,
        ok: hookRan.stdout.startsWith('first-boot ran'),
        detail: `${hookRan.stdout}${hookRan.stderr}`.trim(),
      });
      const unit = await v.ssh!(
        'systemctl is-active openve-cluster-init.service; cat /var/log/openve-install/cluster-init.log',
        30_000,
      );
      result.checks.push({
        name: `${v.node.name}: openve-cluster-init.service succeeded`,
        ok: unit.stdout.startsWith('active'),
        detail: unit.stdout.trim(),
      });
      // pveca -c / -a set up libvirt TLS from the cluster CA (issue 14): libvirtd listens on 16514
      // and the other node's libvirt answers over qemu+tls with this node's client certificate
      const other = vms.find((o) => o !== v)!;
      const tls = await v.ssh!(
        `ss -Hltn 'sport = :16514' | wc -l; virsh -c qemu+tls://${other.node.address}/system version 2>&1 | head -5`,
        60_000,
      );
      result.checks.push({
        name: `${v.node.name}: libvirt TLS (listening on 16514, ${other.node.name}'s libvirt over qemu+tls)`,
        // 'Using API: QEMU' is printed only once connected (a refused connection prints an error)
        ok: /^[1-9]/.test(tls.stdout) && /Using API: QEMU/.test(tls.stdout),
        detail: `${tls.stdout}${tls.stderr}`.trim(),
      });
    }
    // 4. a running VM moves live from node1 to node2 (issue 14), once the cluster itself is right
    const clusterOk = result.checks.every((c) => c.ok);
    if (process.env.OPENVE_E2E_MIGRATE !== '0' && clusterOk) {
      const m = await migrationChecks(
        { ssh: vms[0]!.ssh!, name: n1.name },
        { ssh: vms[1]!.ssh!, name: n2.name },
        PASSWORD,
        log,
      );
      result.checks.push(...m.checks);
      result.migration = { ...m.figures, loadavg: readFileSync('/proc/loadavg', 'utf8').trim() };
    }
    // 5. node1 removes node2 with pveca -d: node2's libvirt TLS access ends (issue 14 §1); last,
    //    it ends the cluster
    if (clusterOk)
      result.checks.push(
        ...(await revocationChecks(
          { ssh: vms[0]!.ssh!, name: n1.name, address: n1.address },
          { ssh: vms[1]!.ssh!, name: n2.name, address: n2.address },
          log,
        )),
      );
  } else {
    for (const [i, v] of vms.entries())
      if (outcomes[i]!.nodeBoot === null)
        result.checks.push({
          name: `${v.node.name}: ssh`,
          ok: false,
          detail: `no SSH login on 127.0.0.1:${v.sshPort} (see ${outcomes[i]!.serialNode})`,
        });
  }
  if (result.checks.length > 0 && result.checks.every((c) => c.ok))
    result.seconds.total = secs(tStart);

  // 6. Power off (node2 first: node1 carries the socket network).
  for (const v of [...vms].reverse()) if (v.ssh) await v.ssh('systemctl poweroff', 10_000);
  const stopped = await Promise.race([Promise.all(running), sleep(120_000).then(() => null)]);
  if (stopped === null)
    log('cluster: a node VM did not power off within 120 s (left to its timeout)');
  save(dir, result);
  return result;
}

/** A `pveca -l --json` view with both nodes online and quorum. */
export function clusterHealthy(view: unknown): boolean {
  const v = view as {
    quorate?: boolean;
    cluster?: string;
    nodes?: { name: string; online: boolean }[];
  } | null;
  return Boolean(
    v?.quorate &&
    v.cluster === CLUSTER_NAME &&
    v.nodes?.length === 2 &&
    v.nodes.every((n) => n.online) &&
    NODES.every((n) => v.nodes!.some((m) => m.name === n.name)),
  );
}

function nodeChecks(node: ClusterNode, view: unknown): ClusterCheck[] {
  const v = view as {
    quorate?: boolean;
    cluster?: string;
    nodes?: { name: string; address: string; role: string; online: boolean; local: boolean }[];
  } | null;
  const detail = JSON.stringify(view);
  const nodes = v?.nodes ?? [];
  return [
    {
      name: `${node.name}: cluster '${CLUSTER_NAME}' quorate`,
      ok: Boolean(v?.quorate && v.cluster === CLUSTER_NAME),
      detail,
    },
    {
      name: `${node.name}: 2 members online, names and addresses as answered`,
      ok:
        nodes.length === 2 &&
        NODES.every((n) =>
          nodes.some((m) => m.name === n.name && m.address === n.address && m.online),
        ),
      detail,
    },
    {
      name: `${node.name}: ${NODES[0].name} is master, this node is local`,
      ok:
        nodes.some((m) => m.name === NODES[0].name && m.role === 'master') &&
        nodes.some((m) => m.name === node.name && m.local),
      detail,
    },
  ];
}

async function pvecaList(ssh: Ssh): Promise<unknown> {
  const r = await ssh('pveca -l --json', 30_000);
  try {
    return JSON.parse(r.stdout) as unknown;
  } catch {
    return { error: `${r.stdout}${r.stderr}`.trim(), exitCode: r.exitCode };
  }
}

function clusterLine(serialFile: string): string | null {
  if (!existsSync(serialFile)) return null;
  const lines = readFileSync(serialFile, 'utf8')
    .split(/\r?\n/)
    .filter((l) => /cluster: (created|.* joined|FAILED)/.test(l));
  return lines.at(-1)?.trim() ?? null;
}

function save(dir: string, result: ClusterResult): void {
  writeFileSync(path.join(dir, 'result.json'), JSON.stringify(result, null, 2) + '\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms));
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond() && Date.now() < end) await sleep(200);
}

/** Whether something listens on 127.0.0.1:port (state 0A in /proc/net/tcp), without connecting. */
export function listening(
  port: number,
  procNetTcp = readFileSync('/proc/net/tcp', 'utf8'),
): boolean {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return procNetTcp.split('\n').some((l) => {
    const f = l.trim().split(/\s+/);
    return f[1] === local && f[3] === '0A';
  });
}

export function formatCluster(r: ClusterResult): string {
  const s = r.seconds;
  const lines = [
    `== cluster e2e: ISO build ${s.isoBuild}s, prepare-iso ${s.prepareIso}s, both installs (parallel) ${s.installBoth}s`,
    ...r.nodes.map(
      (n) =>
        `   ${n.name}: install VM ${n.installBoot}s (installer ${n.installSeconds ?? '?'}s) | boot to SSH ${n.nodeBoot ?? '?'}s | ${n.clusterLine ?? 'no cluster line on the console'}${n.installError ? ` | install FAILED: ${n.installError}` : ''}`,
    ),
    `   boot of both to quorate 2-node cluster ${s.bootToQuorate ?? '?'}s | total ${s.total ?? '?'}s`,
  ];
  const m = r.migration;
  if (m)
    lines.push(
      `   live migration node1 -> node2 (stub VM, 1 GiB thin volume, qemu+tls): stub running ${m.bootSeconds ?? '?'}s after start | openve vm migrate ${m.migrateWallSeconds ?? '?'}s wall | task: ${m.finishedLine ?? 'no finished line'} | load ${m.loadavg}`,
    );
  for (const c of r.checks)
    lines.push(
      `   ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.ok ? '' : `: ${c.detail.split('\n').slice(0, 8).join(' | ')}`}`,
    );
  return lines.join('\n');
}
