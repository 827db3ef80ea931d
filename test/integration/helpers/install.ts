// Runs `auto` in-process against loop disks with the host runner, and inspects the result from
// outside (mounting the new root read-only on the live side).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { autoInstall } from '../../../installer/commands/auto.ts';
import type { ProgressEvent } from '../../../contracts/progress.ts';
import type { HardwareProfile } from '../../../contracts/hardware/types.ts';
import type { Plan } from '../../../contracts/plan/types.ts';
import type { RecordingRunner } from '../../../lib/exec/recording.ts';
import { afterAll, beforeAll } from 'vitest';
import { hostShim, type HostShim } from './host-runner.ts';
import { loopProfile } from './loops.ts';
import { createLoopDisks, type LoopSet } from './loops.ts';
import { clearStaleRigs } from './stale.ts';
import { ensureTestPayload, type TestPayload } from './payload.ts';

const ENV = {
  ...process.env,
  PATH: `/usr/local/sbin:/usr/sbin:/sbin:${process.env.PATH ?? ''}`,
  LVM_SUPPRESS_FD_WARNINGS: '1',
};
export const sh = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { encoding: 'utf8', env: ENV });
export const shTry = (cmd: string, args: string[]) =>
  spawnSync(cmd, args, { encoding: 'utf8', env: ENV });

export interface InstallRun {
  ok: boolean;
  plan: Plan;
  events: ProgressEvent[];
  stdout: string;
  runner: RecordingRunner;
  failedStep?: string;
  error?: string;
}

export interface Workspace {
  dir: string;
  target: string;
  logPath: string;
  hook: string;
  remove(): void;
}

export function workspace(): Workspace {
  const dir = mkdtempSync('/tmp/openve-it-ws-');
  const hook = path.join(dir, 'hook.sh');
  writeFileSync(hook, '#!/bin/sh\necho first boot\n', { mode: 0o644 });
  const remove = () => {
    // a failed assertion may have left mounts behind: never rm -r through a bind-mounted /dev
    const mounted = shTry('findmnt', ['-rn', '-o', 'TARGET'])
      .stdout.split('\n')
      .filter((t) => t.startsWith(dir + '/'));
    for (const m of mounted.sort((a, b) => b.length - a.length)) shTry('umount', ['-l', m]);
    if (
      shTry('findmnt', ['-rn', '-o', 'TARGET'])
        .stdout.split('\n')
        .some((t) => t.startsWith(dir + '/'))
    )
      return;
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    dir,
    target: path.join(dir, 'target'),
    logPath: path.join(dir, 'install.log'),
    hook,
    remove,
  };
}

export async function runInstall(opts: {
  answer: string;
  hardware: HardwareProfile;
  payload: string;
  ws: Workspace;
  shim: HostShim;
  inject?: (r: RecordingRunner) => void;
  measureExtraction?: boolean;
}): Promise<InstallRun> {
  const lines: string[] = [];
  let runner: RecordingRunner | undefined;
  const outcome = await autoInstall(
    {
      answerText: opts.answer,
      answerSource: 'integration-test.toml',
      hardware: opts.hardware,
      payload: opts.payload,
      confirmed: true,
      logPath: opts.ws.logPath,
      firstBootHook: opts.ws.hook,
      target: opts.ws.target,
      mode: 'real',
      measureExtraction: opts.measureExtraction === true,
    },
    {
      runner: (log) => {
        runner = opts.shim.runner(
          (l) => log.line(l),
          () => log.secrets(),
        );
        opts.inject?.(runner);
        return runner;
      },
      write: (l) => lines.push(l),
    },
  );
  const plan = outcome.plan;
  if (!plan || !runner) throw new Error('autoInstall returned no plan');
  return {
    ok: outcome.ok,
    plan,
    events: lines.map((l) => JSON.parse(l) as ProgressEvent),
    stdout: lines.join(''),
    runner,
    failedStep: outcome.failedStep,
    error: outcome.error,
  };
}

/** What a failed or finished install must not leave behind on the live system. */
export function leftovers(ws: Workspace, shim: HostShim, disks: string[]): string[] {
  const problems: string[] = [];
  const mounts = sh('findmnt', ['-rn', '-o', 'TARGET,SOURCE']).split('\n').filter(Boolean);
  for (const m of mounts) {
    const [t = '', s = ''] = m.split(' ');
    if (
      t.startsWith(ws.target) ||
      t.startsWith('/run/openve-install') ||
      disks.some((d) => s.startsWith(d))
    )
      problems.push(`mounted: ${m}`);
  }
  for (const [vg, lvs] of shim.mapped)
    problems.push(`VG ${vg} active (${lvs.map((l) => l.lv).join(', ')})`);
  for (const f of shim.fakeMounts) problems.push(`vfat still mounted: ${f}`);
  const swaps = sh('swapon', ['--show=NAME', '--noheadings', '--raw']).split('\n').filter(Boolean);
  for (const s of swaps)
    if (s.includes('loop') || s.includes('openve')) problems.push(`swap on: ${s}`);
  return problems;
}

/** Mount the installed root read-only and hand its path to fn. */
export async function withInstalledRoot<T>(
  run: InstallRun,
  shim: HostShim,
  fn: (root: string) => T | Promise<T>,
): Promise<T> {
  const dir = mkdtempSync('/tmp/openve-it-root-');
  const lvm = run.plan.steps.find((s) => s.kind === 'lvm');
  const r = shim.runner();
  try {
    if (lvm) {
      await r.run(['vgchange', '-ay', lvm.vg]);
      sh('mount', ['-o', 'ro', `/dev/${lvm.vg}/root`, dir]);
    } else {
      const m = run.plan.steps.find((s) => s.kind === 'mount');
      const root = m?.kind === 'mount' ? m.mounts.find((x) => x.mountpoint === '/') : undefined;
      if (!root) throw new Error('plan has no root mount');
      sh('mount', ['-t', root.fstype, '-o', ['ro', ...root.options].join(','), root.device, dir]);
    }
    return await fn(dir);
  } finally {
    shTry('umount', [dir]);
    if (lvm) await r.run(['vgchange', '-an', lvm.vg]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The loop disks, host shim, test payload and workspace every install test needs, set up once
 *  per file (beforeAll) and torn down in reverse (afterAll). Read the fields inside tests/hooks. */
export interface InstallRig {
  loops: LoopSet;
  shim: HostShim;
  payload: TestPayload;
  ws: Workspace;
}
export function installRig(disks = 2): InstallRig {
  const rig = {} as InstallRig;
  beforeAll(async () => {
    // what a crashed earlier run left (loops, /dev/openve, mounts) would fail this one
    for (const line of clearStaleRigs()) console.warn(`install rig: stale leftover: ${line}`);
    rig.payload = await ensureTestPayload();
    rig.loops = createLoopDisks(disks);
    rig.shim = hostShim();
    rig.ws = workspace();
  });
  afterAll(async () => {
    // every part is undone even when an earlier one throws (a leftover would fail the next file)
    const errors: unknown[] = [];
    const step = async (f: () => unknown) => {
      try {
        await f();
      } catch (err) {
        errors.push(err);
      }
    };
    await step(() => rig.ws?.remove()); // unmounts leftovers first
    await step(() => rig.shim?.teardown());
    await step(() => rig.loops?.detach());
    if (errors.length > 0) throw errors[0];
  });
  return rig;
}

/** runInstall on the rig's loop disks (hardware = those disks), workspace and shim */
export function installOnRig(
  rig: InstallRig,
  answer: string,
  payload: string,
  inject?: (r: RecordingRunner) => void,
  measureExtraction = false,
): Promise<InstallRun> {
  return runInstall({
    answer,
    hardware: loopProfile(rig.loops.disks),
    payload,
    ws: rig.ws,
    shim: rig.shim,
    ...(inject ? { inject } : {}),
    measureExtraction,
  });
}

/** what an install left on the rig's disks, mounts and host (leftovers over every loop disk) */
export function rigLeftovers(rig: InstallRig): string[] {
  return leftovers(
    rig.ws,
    rig.shim,
    rig.loops.disks.map((d) => d.path),
  );
}
