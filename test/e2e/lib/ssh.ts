// SSH into a QEMU guest through its forwarded port on 127.0.0.1, and waiting for the first login.
import type { CommandResult, CommandRunner } from '../../../lib/exec/types.ts';

export type Ssh = (cmd: string, timeoutMs?: number, input?: string) => Promise<CommandResult>;

/** root@127.0.0.1:port with the test key; never asks, never keeps a host key; exit code returned */
export function sshTo(runner: CommandRunner, key: string, port: number): Ssh {
  return (cmd, timeoutMs = 30_000, input) =>
    runner.run(
      [
        'ssh',
        '-i',
        key,
        '-p',
        String(port),
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'BatchMode=yes',
        '-o',
        'ConnectTimeout=5',
        '-o',
        'LogLevel=ERROR',
        'root@127.0.0.1',
        cmd,
      ],
      { reject: false, timeoutMs, ...(input !== undefined ? { input } : {}) },
    );
}

/**
 * Tries `ssh true` every pauseMs until it logs in (true), the guest is gone (`gone()`, e.g. QEMU
 * exited) or the deadline (a Date.now() value) passed (false).
 */
export async function waitForSsh(
  ssh: Ssh,
  opts: { deadline: number; pauseMs: number; gone: () => boolean },
): Promise<boolean> {
  while (!opts.gone() && Date.now() < opts.deadline) {
    if ((await ssh('true', 15_000)).exitCode === 0) return true;
    await new Promise((r) => setTimeout(r, opts.pauseMs));
  }
  return false;
}
