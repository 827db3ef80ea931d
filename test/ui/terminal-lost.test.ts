// The terminal going away under the UI (a hangup on the serial console, stdin closed): the real
// binary in tmux reads its keys from a second pane's terminal, which is then closed. Ink ends when
// the event loop runs empty; the installer must say why on stderr (live-start keeps it in
// /run/openve/ui.log and shows it) instead of ending silently as if the user had quit.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pollUntil, root } from './helpers.ts';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const socket = `openve-ui-lost-${process.pid}`;
const tmux = (...args: string[]): string =>
  execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(path.join(tmpdir(), 'openve-ui-lost-'));

afterAll(() => {
  if (hasTmux) spawnSync('tmux', ['-L', socket, 'kill-server']);
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasTmux)('the terminal input goes away (tmux)', () => {
  it('the UI reports it on stderr and exits non-zero, not silently with the "quit" code', async () => {
    // the keyboard: a pane that only holds a terminal open
    tmux('new-session', '-d', '-s', 'lost', '-n', 'keys', '-x', '80', '-y', '24', 'sleep', '600');
    const keysTty = tmux('display-message', '-p', '-t', 'lost:keys', '#{pane_tty}').trim();
    const err = path.join(dir, 'stderr');
    const exit = path.join(dir, 'exit');
    const cmd = `cd ${root} && node bin/openve-install.js --dry-run --hardware test/fixtures/hardware/single-sata.json <${keysTty} 2>${err}; echo $? >${exit}; sleep 120`;
    tmux('new-window', '-d', '-t', 'lost', '-n', 'ui', 'sh', '-c', cmd);
    const screen = () => tmux('capture-pane', '-p', '-t', 'lost:ui');
    await pollUntil('the first screen', () => screen().includes('Welcome to openve'), 60_000); // may bundle dist/ first

    tmux('kill-window', '-t', 'lost:keys'); // hangs up the UI's stdin
    const code = Number(
      await pollUntil(
        'the UI to exit',
        () => (existsSync(exit) ? readFileSync(exit, 'utf8').trim() : ''),
        20_000,
      ),
    );
    expect(readFileSync(err, 'utf8')).toContain(
      'openve-install: stopped before the installer finished: the terminal input ended (stdin closed or hung up)',
    );
    // 1 from the installer; Node 20 may then abort (134) restoring the settings of the vanished tty
    expect([1, 134]).toContain(code);
  }, 120_000);
});
