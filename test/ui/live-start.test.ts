// live-start's interactive branch on a real terminal (tmux 80x24), with a stand-in for the UI:
// when the installer ends other than by installing, the screen is kept (never cleared), the exit
// code and this run's stderr (kept in ui.log while the UI owned the console) are shown, and the
// admin chooses: Enter restarts the installer, s gives a root shell.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pollUntil, root } from './helpers.ts';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const socket = `openve-live-start-${process.pid}`;
const tmux = (...args: string[]): string =>
  execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = (): string => tmux('capture-pane', '-p', '-t', 'live');
const dir = mkdtempSync(path.join(tmpdir(), 'openve-live-start-'));

async function waitScreen(text: string, timeoutMs = 10_000): Promise<string> {
  try {
    return await pollUntil(
      `'${text}'`,
      () => {
        const s = screen();
        return s.includes(text) ? s : null;
      },
      timeoutMs,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; screen:\n${screen()}`, { cause: err });
  }
}

afterAll(() => {
  if (hasTmux) spawnSync('tmux', ['-L', socket, 'kill-server']);
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasTmux)('live-start: the installer ended (tmux 80x24)', () => {
  it('keeps the screen, shows the exit code and the log, and offers a restart or a root shell', async () => {
    // run 1: a frame on stdout, a crash on stderr, exit 1; run 2: killed by a signal
    const fakeUi = path.join(dir, 'fake-ui.sh');
    writeFileSync(
      fakeUi,
      [
        'n=$(cat "$0.runs" 2>/dev/null || echo 0); n=$((n + 1)); echo $n >"$0.runs"',
        'echo "FAKE UI FRAME run $n"',
        'if [ $n = 1 ]; then echo "node: warning before the crash" >&2; echo "TypeError: x is undefined" >&2; exit 1; fi',
        'kill -9 $$',
      ].join('\n'),
    );
    writeFileSync(path.join(dir, 'cmdline'), 'BOOT_IMAGE=/live/vmlinuz boot=live console=tty0\n');
    const env = {
      OPENVE_LIVE_CMDLINE: path.join(dir, 'cmdline'),
      OPENVE_LIVE_RUN: path.join(dir, 'run'),
      OPENVE_LIVE_CLI: `bash ${fakeUi}`,
      OPENVE_LIVE_SHELL: 'echo ROOT-SHELL-STARTED',
    };
    const script = path.join(root, 'iso/live-layer/usr/lib/openve/live-start');
    tmux(
      'new-session',
      '-d',
      '-s',
      'live',
      '-x',
      '80',
      '-y',
      '24',
      ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      'sh',
      '-c',
      `bash ${script}; echo "LIVE-START-EXIT=$?"; sleep 60`,
    );

    const first = await waitScreen('[Enter] restart the installer');
    expect(first).toContain('FAKE UI FRAME run 1'); // not cleared
    expect(first).toContain('openve-install FAILED: exit code 1.');
    expect(first).toContain('| TypeError: x is undefined');
    expect(first).toContain('| node: warning before the crash');
    expect(first).toContain('[s] root shell');

    tmux('send-keys', '-t', 'live', 'Enter');
    const second = await waitScreen('(killed by SIGKILL)');
    expect(second).toContain('FAKE UI FRAME run 2');
    const report2 = second.slice(second.indexOf('FAKE UI FRAME run 2'));
    expect(report2).not.toContain('| TypeError'); // only this run's lines
    expect(report2).not.toMatch(/^\S*live-start: line/m); // bash's note on the signal: in the log only
    tmux('send-keys', '-t', 'live', 's', 'Enter');
    const shell = await waitScreen('ROOT-SHELL-STARTED');
    expect(shell).toContain("'systemctl restart openve-installer' starts the installer again");
    expect(shell).toContain('(killed by SIGKILL)'); // still on the screen above the shell

    const log = readFileSync(path.join(dir, 'run/ui.log'), 'utf8');
    expect(log).toMatch(
      /=== openve-install run 1,[^\n]*\nnode: warning before the crash\nTypeError: x is undefined\n=== exit 1\n/,
    );
    expect(log).toContain('=== exit 137');
  }, 60_000);
});
