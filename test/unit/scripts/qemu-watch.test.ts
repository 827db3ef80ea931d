// scripts/lib/qemu-watch.sh, which the main job uses to boot a guest once more when its kernel
// dies under multi-threaded TCG (it had no retry: one boot in ~30 dies so in the matrix). The
// "guest" here is a daemonized stand-in that writes a serial log, as QEMU's -daemonize -pidfile does.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRunner } from '../../../lib/exec/index.ts';

const WATCH = path.resolve(import.meta.dirname, '../../../scripts/lib/qemu-watch.sh');

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'qemu-watch-'));
});
afterEach(() => {
  const pidFile = path.join(dir, 'guest.pid');
  if (existsSync(pidFile)) {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    } catch {
      /* gone, as it should be */
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** runs `body` in bash -euo pipefail with the library sourced and a `guest SCRIPT` stand-in */
async function sh(body: string) {
  const script = `set -euo pipefail
. ${WATCH}
guest() { setsid bash -c "$1" >/dev/null 2>&1 & echo $! >"${dir}/guest.pid"; }
${body}`;
  return createRunner('real').run(['bash', '-c', script], { timeoutMs: 20_000, reject: false });
}

/** the stand-in still runs (a zombie left for its adopter to reap has stopped running) */
const alive = (): boolean => {
  const pid = readFileSync(path.join(dir, 'guest.pid'), 'utf8').trim();
  try {
    return !/^\S+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('qemu-watch.sh', () => {
  it('a guest whose kernel dies: 2 within seconds, the emulator killed, the line named', async () => {
    const log = path.join(dir, 'serial.log');
    const t0 = Date.now();
    const r =
      await sh(`guest 'printf "[ 2.9] booting\\r\\n[ 3.1] Oops: int3: 0000 [#1] SMP\\r\\n" >${log}; sleep 60'
rc=0; qemu_watch "${dir}/guest.pid" "${log}" 30 || rc=$?
echo "rc=$rc line=$(qemu_crash_line "${log}")"`);
    expect(r.stdout.trim()).toBe('rc=2 line=Oops: int3: 0000 [#1] SMP');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(alive()).toBe(false);
  });

  it('a panic counts too', async () => {
    const log = path.join(dir, 'serial.log');
    const r = await sh(`guest 'echo "Kernel panic - not syncing: Fatal exception" >${log}; sleep 60'
rc=0; qemu_watch "${dir}/guest.pid" "${log}" 30 || rc=$?; echo "rc=$rc"`);
    expect(r.stdout.trim()).toBe('rc=2');
    expect(alive()).toBe(false);
  });

  it('a guest that powers off by itself: 0, and no crash line (set -e and pipefail survive a clean log)', async () => {
    const log = path.join(dir, 'serial.log');
    const r = await sh(`guest 'echo "OPENVE-INSTALL: OK" >${log}; sleep 1'
rc=0; qemu_watch "${dir}/guest.pid" "${log}" 30 || rc=$?
line=$(qemu_crash_line "${log}"); missing=$(qemu_crash_line "${dir}/none.log")
echo "rc=$rc line=[$line] missing=[$missing]"`);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('rc=0 line=[] missing=[]');
  });

  it('a guest that outlives the limit: 1, and killed', async () => {
    const log = path.join(dir, 'serial.log');
    const r = await sh(`guest 'echo still booting >${log}; sleep 60'
rc=0; qemu_watch "${dir}/guest.pid" "${log}" 2 || rc=$?; echo "rc=$rc"`);
    expect(r.stdout.trim()).toBe('rc=1');
    expect(alive()).toBe(false);
  });
});
