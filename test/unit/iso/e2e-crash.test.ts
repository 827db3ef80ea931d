import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bootOnceMore, guestCrash, killQemu, watchCrash } from '../../e2e/lib/crash.ts';

// shaped like the node's serial console when its kernel died in session 11's whole run
// (`Oops: int3` in enqueue_entity: MTTCG's text-patching race); timestamps and ids illustrative
const CRASHED = `[   41.872310] systemd[1]: Starting systemd-udevd.service...
[   42.003381] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI
[   42.003912] CPU: 1 UID: 0 PID: 212 Comm: (udev-worker) Not tainted 6.12.57+deb13-amd64 #1  Debian 6.12.57-1
[   42.004871] RIP: 0010:enqueue_entity+0x1a/0x4c0
[   42.010331] Kernel panic - not syncing: Fatal exception in interrupt
`;

describe('e2e: a guest kernel crash under TCG', () => {
  it('finds the first crash line, and nothing in a clean boot', () => {
    expect(guestCrash(CRASHED)).toBe('Oops: int3: 0000 [#1] PREEMPT SMP NOPTI');
    expect(
      guestCrash('[   42.01] Kernel panic - not syncing: VFS: Unable to mount root fs\n'),
    ).toBe('Kernel panic - not syncing: VFS: Unable to mount root fs');
    expect(guestCrash('[  3.1] systemd[1]: Reached target multi-user.target.\nlogin: ')).toBeNull();
    // a message that only mentions panics is not one
    expect(guestCrash('[  1.0] kernel: panic=10 set on the command line\n')).toBeNull();
  });

  it('kills the emulator named by the pid file once the serial log shows a crash', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openve-crash-'));
    const serial = path.join(dir, 'serial.log');
    const pidFile = path.join(dir, 'qemu.pid');
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((res) =>
      child.once('exit', (_c, sig) => res(sig)),
    );
    writeFileSync(pidFile, `${child.pid}\n`);
    writeFileSync(serial, 'booting\n');
    const texts: string[] = [];
    const watch = watchCrash(serial, pidFile, 20, (t) => texts.push(t));
    await new Promise((r) => setTimeout(r, 100));
    expect(watch.crashed()).toBeNull();
    expect(child.exitCode).toBeNull();
    writeFileSync(serial, CRASHED);
    expect(await exited).toBe('SIGKILL');
    expect(watch.crashed()).toMatch(/^Oops: int3/);
    watch.stop();
    // the same reads feed the marker clock: one reader per log
    expect(texts[0]).toBe('booting\n');
    expect(texts.at(-1)).toBe(CRASHED);
    // a pid file whose process is gone, or none at all: nothing happens
    killQemu(pidFile);
    killQemu(path.join(dir, 'missing.pid'));
  });

  it('boots once more after a death, keeping the dead console; a clean first boot is the result', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openve-crash-'));
    const serial = path.join(dir, 'serial-node.log');
    const notes: string[] = [];
    const attempts: number[] = [];
    const value = await bootOnceMore(
      'node boot',
      serial,
      async (attempt) => {
        attempts.push(attempt);
        writeFileSync(serial, attempt === 1 ? CRASHED : 'login: ');
        return { died: attempt === 1 ? 'Oops: int3: 0000' : null, value: `boot ${attempt}` };
      },
      (line) => notes.push(line),
    );
    expect(value).toBe('boot 2');
    expect(attempts).toEqual([1, 2]);
    expect(notes).toEqual(['node boot: guest kernel crashed (Oops: int3: 0000)']);
    expect(readFileSync(path.join(dir, 'serial-node.crashed.log'), 'utf8')).toBe(CRASHED);
    expect(readFileSync(serial, 'utf8')).toBe('login: ');

    const once: number[] = [];
    const clean = await bootOnceMore(
      'install boot',
      path.join(dir, 'serial-install.log'),
      async (attempt) => {
        once.push(attempt);
        return { died: null, value: false };
      },
      (line) => notes.push(line),
    );
    expect(clean).toBe(false); // a boot that failed without a crash is not repeated
    expect(once).toEqual([1]);
    expect(existsSync(path.join(dir, 'serial-install.crashed.log'))).toBe(false);
  });
});
