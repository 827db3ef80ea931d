// libvirtd for the integration test: reuse a running one, else start virtlogd + libvirtd with pid
// files under a temp dir (no systemd here) and stop exactly those at the end.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CommandRunner } from '../../../lib/exec/index.ts';

export interface Daemons {
  started: boolean;
  stop(): Promise<void>;
}

async function answers(runner: CommandRunner): Promise<boolean> {
  return (
    (
      await runner.run(['virsh', '-c', 'qemu:///system', 'version'], {
        reject: false,
        timeoutMs: 30_000,
      })
    ).exitCode === 0
  );
}

export async function ensureLibvirtd(runner: CommandRunner): Promise<Daemons> {
  if (await answers(runner)) return { started: false, stop: async () => {} };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'openve-libvirtd-'));
  const pids = {
    virtlogd: path.join(dir, 'virtlogd.pid'),
    libvirtd: path.join(dir, 'libvirtd.pid'),
  };
  await runner.run(['virtlogd', '-d', '-p', pids.virtlogd]);
  await runner.run(['libvirtd', '-d', '-p', pids.libvirtd]);
  const deadline = Date.now() + 30_000;
  while (!(await answers(runner))) {
    if (Date.now() > deadline) throw new Error('libvirtd did not answer within 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    started: true,
    async stop() {
      for (const f of [pids.libvirtd, pids.virtlogd]) {
        if (!existsSync(f)) continue;
        const pid = Number(readFileSync(f, 'utf8').trim());
        if (pid > 1) {
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            /* already gone */
          }
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
