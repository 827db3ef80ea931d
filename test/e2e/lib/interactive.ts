// The interactive install, end to end: an ISO without an answer, booted in QEMU (SeaBIOS, one
// 32G virtio disk, user net with SSH forwarded) with its serial console on a tmux pane at 80x24;
// the "Install (serial console)" GRUB entry; the UI driven with send-keys, waiting on the screen
// (defaults, a password, an SSH key pasted, the host name typed); then the installed disk booted
// and checked over SSH with that key. Screens go to <workDir>/screens/, times to result.json.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { realRunner } from '../../../lib/exec/runner.ts';
import type { CommandRunner } from '../../../lib/exec/types.ts';
import {
  POOL_MONITORED_CMD,
  SYSTEM_RUNNING_CMD,
  systemRunning,
  type CheckResult,
} from './checks.ts';
import { bootOnceMore, noteRetry, watchCrash } from './crash.ts';
import { TmuxTerminal } from './interactive-tmux.ts';
import { qemuArgv, type VmSpec } from './qemu.ts';
import { PASSWORD, REPO } from './scenario.ts';
import { sshTo, waitForSsh, type Ssh } from './ssh.ts';
import { freePort, secs } from './util.ts';

/** VM runs take this lock (docs/design.md §5: QEMU runs never overlap, so timings stay honest). */
export const QEMU_LOCK = process.env.OPENVE_QEMU_LOCK ?? '/tmp/openve-qemu.lock';

export interface InteractiveResult {
  iso: string;
  ok: boolean;
  error?: string;
  /** known causes recognised in the serial log and the last screen (knownCauses) */
  causes?: string[];
  hostname: string | null;
  address: string | null;
  screens: string[];
  seconds: {
    isoBuild: number;
    lockWait: number | null; // waiting for other VM runs before the install boot
    bootToUi: number | null; // QEMU start -> the installer's first screen on the serial console
    restartUi: number | null; // quit (exit 130) -> live-start's menu -> Enter -> the UI again
    walk: number | null; // first screen -> host name confirmed (the person's part)
    install: number | null; // host name confirmed -> "Installation complete"
    installReported: number | null; // the UI's own figure on the done screen
    installBoot: number | null; // QEMU start -> the install VM powered off by the reboot
    nodeBoot: number | null; // QEMU start of the installed disk -> SSH works
    total: number | null; // install QEMU start -> SSH on the booted node
  };
  checks: CheckResult[];
  /** boots repeated because the guest kernel crashed under TCG (crash.ts) */
  retries?: string[];
}

export interface InteractiveOptions {
  workDir: string;
  log: (line: string) => void;
  runner?: CommandRunner;
  /** quit the first UI with Ctrl-C and restart it from live-start's menu (default true) */
  exerciseRestart?: boolean;
}

export async function runInteractive(opts: InteractiveOptions): Promise<InteractiveResult> {
  const runner = opts.runner ?? realRunner();
  const dir = opts.workDir;
  const log = opts.log;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'screens'), { recursive: true });
  const result: InteractiveResult = {
    iso: path.join(dir, 'openve.iso'),
    ok: false,
    hostname: null,
    address: null,
    screens: [],
    seconds: {
      isoBuild: 0,
      lockWait: null,
      bootToUi: null,
      restartUi: null,
      walk: null,
      install: null,
      installReported: null,
      installBoot: null,
      nodeBoot: null,
      total: null,
    },
    checks: [],
  };
  const save = () =>
    writeFileSync(path.join(dir, 'result.json'), JSON.stringify(result, null, 2) + '\n');

  const key = path.join(dir, 'id_ed25519');
  await runner.run([
    'ssh-keygen',
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'openve-e2e-interactive',
    '-f',
    key,
  ]);
  const pubkey = readFileSync(`${key}.pub`, 'utf8').trim();

  let t = performance.now();
  await runner.run(
    [process.execPath, path.join(REPO, 'bin/openve-install.js'), 'build-iso', '--out', result.iso],
    { cwd: REPO },
  );
  result.seconds.isoBuild = secs(t);
  log(`ISO (no answer) built in ${result.seconds.isoBuild}s`);

  const disk = path.join(dir, 'disk0.qcow2');
  await runner.run(['qemu-img', 'create', '-q', '-f', 'qcow2', disk, '32G']);
  const sshPort = await freePort();
  const base: Omit<VmSpec, 'serialLog'> = { firmware: 'bios', disks: [disk], sshPort, kvm: false };

  const term = new TmuxTerminal('interactive');
  let shot = 0;
  const snap = (name: string, screen = term.screen()): string => {
    const file = path.join(dir, 'screens', `${String(++shot).padStart(2, '0')}-${name}.txt`);
    writeFileSync(file, screen);
    result.screens.push(file);
    return screen;
  };
  /** waits for a screen, saves it, then sends what finishes it */
  const on = async (name: string, text: string | RegExp, timeoutMs: number, ...keys: string[]) => {
    const s = snap(name, await term.waitFor(text, timeoutMs));
    if (keys.length) term.keys(...keys);
    return s;
  };

  let lock: { release: () => void } | null = null;
  const watchers: ReturnType<typeof watchCrash>[] = [];
  try {
    // Both boots in one turn at the lock (another VM run between them would stall the node boot).
    const queued = performance.now();
    lock = await holdQemuLock(runner, path.join(dir, 'qemu-lock-held'));
    result.seconds.lockWait = secs(queued);
    if (result.seconds.lockWait > 1) log(`waited ${result.seconds.lockWait}s for ${QEMU_LOCK}`);

    // 1. Install boot, serial console in tmux. A guest kernel that dies of TCG's text-patching
    // race (crash.ts) is killed at once (the pane's program exits) and booted once more.
    const serialInstall = path.join(dir, 'serial-install.log');
    const installPid = path.join(dir, 'qemu-install.pid');
    const qemu = qemuArgv({
      ...base,
      iso: result.iso,
      serialLog: serialInstall,
      noReboot: true,
      serialStdio: true,
      pidFile: installPid,
    });
    let qemuStart = 0;
    const retries: string[] = [];
    await bootOnceMore(
      'install boot',
      serialInstall,
      async (attempt) => {
        if (attempt === 2) term.kill();
        const crash = watchCrash(serialInstall, installPid, 1000);
        watchers.push(crash);
        term.start(qemu);
        qemuStart = performance.now();
        try {
          await selectSerialEntry(term, snap);
          await on('welcome', 'Welcome to openve', 10 * 60_000);
          return { died: null, value: undefined };
        } catch (err) {
          const died = crash.crashed();
          if (died && attempt === 1) return { died, value: undefined };
          throw err;
        }
      },
      noteRetry(retries, log),
    );
    if (retries.length) result.retries = retries;
    result.seconds.bootToUi = secs(qemuStart);
    log(`installer UI on the serial console ${result.seconds.bootToUi}s after QEMU started`);

    if (opts.exerciseRestart !== false) {
      // live-start's answer to an installer that ended: the exit code, the log, and a menu.
      t = performance.now();
      term.keys('C-c');
      await on('quit-prompt', 'Quit the installer?', 30_000, 'y');
      await on('live-start-menu', '[Enter] restart the installer', 60_000, 'Enter');
      await on('welcome-again', 'Welcome to openve', 5 * 60_000);
      result.seconds.restartUi = secs(t);
    }

    t = performance.now();
    term.keys('Enter');
    await on('hardware', 'Virtualization', 60_000, 'Enter');
    await on('disk', /Layout: .* on \/dev\/vda/, 60_000, 'Enter');
    await on('locale', 'Location and keyboard', 60_000, 'Enter');
    await on('password', 'Root password', 60_000);
    term.type(PASSWORD);
    term.keys('Tab');
    term.type(PASSWORD);
    await term.waitFor('passwords match', 30_000);
    term.keys('Enter');
    await on('ssh-keys', 'Authorized keys (0)', 60_000);
    term.type(pubkey);
    // the field scrolls to its end: the key's comment shows once the whole line arrived
    await term.waitFor(/Key +>.*openve-e2e-interactive/, 30_000);
    term.keys('Enter');
    await on('ssh-key-added', 'Authorized keys (1)', 30_000, 'Enter');
    const network = await on('network', 'The management network', 60_000, 'Enter');
    result.address = /IP address\/CIDR +(\d+\.\d+\.\d+\.\d+\/\d+)/.exec(network)?.[1] ?? null;
    await on('cluster', 'Nodes in a cluster', 60_000, 'Enter');
    await on('summary', 'Disks to ERASE', 60_000, 'Enter');
    const confirm = await on('confirm', /type the host name +(\S+) +and press Enter/, 60_000);
    const host = /type the host name +(\S+) +and press Enter/.exec(confirm)![1]!;
    result.hostname = host;
    term.type(host);
    // the typed name on the field's line (between the frame's borders), then Enter
    await term.waitFor(
      (sc) =>
        sc
          .split('\n')
          .some((l) => l.replace(/^\|/, '').trim().startsWith(host) && !l.includes('host name')),
      30_000,
    );
    term.keys('Enter');
    result.seconds.walk = secs(t);

    t = performance.now();
    await on('progress', /Installing|Step \d+\/\d+.*Install/, 60_000);
    let progressShots = 0;
    // a few progress screens on the way (not a sync: the wait is for the done screen)
    const done = await (async () => {
      for (;;) {
        try {
          return await term.waitFor(
            /Installation (complete|failed)|The installation failed/,
            60_000,
            500,
          );
        } catch (err) {
          if (term.exited().dead || secs(t) > 30 * 60) throw err;
          if (progressShots++ < 3) snap('progress');
        }
      }
    })();
    snap('done', done);
    result.seconds.install = secs(t);
    if (!/Installation complete/.test(done))
      throw new Error(`the install failed; screen:\n${done}`);
    result.seconds.installReported =
      Number(/Installation complete in (\d+) s/.exec(done)?.[1] ?? NaN) || null;
    log(`installed in ${result.seconds.install}s (the UI says ${result.seconds.installReported}s)`);
    term.keys('Enter'); // Reboot: the VM ends (-no-reboot)
    const qemuExit = await term.waitExit(5 * 60_000);
    result.seconds.installBoot = secs(qemuStart);
    if (qemuExit === undefined)
      throw new Error(`the install VM did not end after Reboot; screen:\n${term.screen()}`);
    for (const f of [serialInstall, ...result.screens])
      if (existsSync(f) && readFileSync(f, 'utf8').includes(PASSWORD))
        throw new Error(`the password appears in ${f}`);

    // 2. The installed disk alone; checks over SSH with the pasted key.
    const serialNode = path.join(dir, 'serial-node.log');
    const nodeStart = performance.now();
    const nodeRun = runner.run(qemuArgv({ ...base, serialLog: serialNode }), {
      timeoutMs: 20 * 60_000,
      reject: false,
    });
    let exited = false;
    void nodeRun.then(() => (exited = true));
    const ssh = sshTo(runner, key, sshPort);
    const up = await waitForSsh(ssh, {
      deadline: Date.now() + 10 * 60_000,
      pauseMs: 2000,
      gone: () => exited,
    });
    if (!up)
      throw new Error(
        `no SSH login with the pasted key on 127.0.0.1:${sshPort} (see ${serialNode})`,
      );
    result.seconds.nodeBoot = secs(nodeStart);
    result.seconds.total = secs(qemuStart);
    log(`node answers SSH ${result.seconds.nodeBoot}s after boot`);
    result.checks = await interactiveChecks(ssh, host, result.address);
    await ssh('systemctl poweroff', 10_000);
    await Promise.race([nodeRun, new Promise((r) => setTimeout(r, 90_000))]);
    result.ok = result.checks.every((c) => c.ok);
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    const last = snap('last-screen');
    const serial = path.join(dir, 'serial-install.log');
    result.causes = knownCauses(
      `${existsSync(serial) ? readFileSync(serial, 'utf8') : ''}\n${last}\n${result.error}`,
    );
  } finally {
    for (const w of watchers) w.stop();
    term.kill();
    lock?.release();
    save();
  }
  return result;
}

/**
 * Takes QEMU_LOCK (flock) in a small holder process and keeps it until release() (or until this
 * process is gone: the holder checks its parent's parent, the test, every second).
 */
async function holdQemuLock(
  runner: CommandRunner,
  marker: string,
): Promise<{ release: () => void }> {
  rmSync(marker, { force: true });
  const script = 'touch "$0"; while [ -e "$0" ] && kill -0 "$1" 2>/dev/null; do sleep 1; done';
  const holder = runner.run(['flock', QEMU_LOCK, 'sh', '-c', script, marker, String(process.pid)], {
    reject: false,
    timeoutMs: 0, // as long as the test runs
  });
  let ended = false;
  void holder.then(() => (ended = true));
  while (!existsSync(marker)) {
    if (ended) throw new Error(`could not take ${QEMU_LOCK}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { release: () => rmSync(marker, { force: true }) };
}

/** GRUB (serial): the fourth entry, "Install (serial console)", before the menu's 10 s timeout. */
async function selectSerialEntry(
  term: TmuxTerminal,
  snap: (name: string, s?: string) => string,
): Promise<void> {
  snap('grub', await term.waitFor('Install (serial console)', 5 * 60_000));
  term.keys('Down', 'Down', 'Down');
  // GRUB marks the chosen entry with '*': read it back before Enter
  await term.waitFor('*Install (serial console)', 10_000, 50);
  term.keys('Enter');
}

/** A subset of checks.ts for a node installed with the UI's defaults. */
export async function interactiveChecks(
  ssh: Ssh,
  host: string,
  address: string | null,
): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const check = async (
    name: string,
    cmd: string,
    ok: (stdout: string, code: number) => boolean,
    input?: string,
  ) => {
    const r = await ssh(cmd, 120_000, input);
    out.push({
      name,
      ok: ok(r.stdout.trim(), r.exitCode),
      detail: `${r.stdout}${r.stderr}`.trim(),
    });
  };
  const short = host.split('.')[0] ?? host;
  await check('root login (pasted SSH key)', 'id -un', (s) => s === 'root');
  await check('hostname', 'hostname', (s) => s === short);
  await check(
    'vmbr0 address',
    'ip -4 -o addr show dev vmbr0; ip -o link show dev vmbr0',
    (s) => s.includes(`inet ${address ?? '10.0.2.15/24'}`) && !/state DOWN/.test(s),
  );
  // degraded: the failed units and the end of each one's journal (checks.ts)
  await check('systemctl is-system-running', SYSTEM_RUNNING_CMD, systemRunning);
  // the UI's default layout (ext4 on LVM, 32G disk) has the thin pool: registered with dmeventd
  await check('thin pool openve/data monitored', POOL_MONITORED_CMD, (s) => s === 'monitored');
  await check(
    'install log on target',
    'ls -A /var/log/openve-install/',
    (s, code) => code === 0 && s.length > 0,
  );
  await check('root password set (hash)', 'getent shadow root | cut -d: -f2 | cut -c1-3', (s) =>
    /^\$(y|6|5)\$/.test(s),
  );
  // the password goes over stdin as the pattern, never on a command line
  await check(
    'password in no log or config',
    'grep -rlsF -f /dev/stdin /var/log /etc /root 2>/dev/null; true',
    (s, code) => code === 0 && s === '',
    `${PASSWORD}\n`,
  );
  return out;
}

/** Failures seen before, recognised in what the console showed: one line each, with where to look. */
const KNOWN_CAUSES: { test: RegExp; cause: string }[] = [
  {
    test: /RuntimeError: memory access out of bounds|screen layout crashed/,
    cause:
      "yoga-layout (Ink's wasm layout) crashed: memory access out of bounds (wasm 000460e2, " +
      'a redraw reading a freed node; installer/ui/mount.tsx re-mounts the UI up to 5 times, ' +
      'see "screen layout crashed" lines in /run/openve/ui.log)',
  },
];

export function knownCauses(text: string): string[] {
  return KNOWN_CAUSES.filter((k) => k.test.test(text)).map((k) => k.cause);
}

export function formatInteractive(r: InteractiveResult): string {
  const s = r.seconds;
  const lines = [
    `interactive install: ${r.ok ? 'OK' : `FAILED${r.error ? `: ${r.error.split('\n')[0]}` : ''}`}`,
    `  host ${r.hostname ?? '?'}  address ${r.address ?? '?'}`,
    `  seconds: iso ${s.isoBuild}, lock wait ${s.lockWait}, boot->UI ${s.bootToUi}, restart ${s.restartUi}, walk ${s.walk}, ` +
      `install ${s.install} (UI: ${s.installReported}), install VM ${s.installBoot}, node boot ${s.nodeBoot}, total ${s.total}`,
    ...(r.causes ?? []).map((c) => `  known cause: ${c}`),
    ...r.checks.map(
      (c) =>
        `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.ok ? '' : `: ${c.detail.split('\n').slice(0, 40).join('\n      ')}`}`,
    ),
  ];
  return lines.join('\n');
}
