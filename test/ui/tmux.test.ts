// The real binary in a real terminal: tmux at 80x24 drives
// `node bin/openve-install.js --dry-run --hardware test/fixtures/hardware/single-sata.json`
// through a whole dry-run install (send-keys), reading the screen with capture-pane.
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { PASSWORD, root } from './helpers.ts';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const socket = `openve-ui-test-${process.pid}`;
const session = 'install';
const tmux = (...args: string[]): string =>
  execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = (history = false): string =>
  tmux('capture-pane', '-p', '-t', session, ...(history ? ['-S', '-400'] : []));
const keys = (...k: string[]) => tmux('send-keys', '-t', session, ...k);
const type = (text: string) => tmux('send-keys', '-t', session, '-l', text);

/** Polls the pane until `text` shows (the test never sleeps for a fixed time). */
async function waitScreen(text: string, timeoutMs = 15_000, history = false): Promise<string> {
  const started = Date.now();
  for (;;) {
    const s = screen(history);
    if (s.includes(text)) return s;
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out waiting for '${text}'; screen:\n${s}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

afterAll(() => {
  if (hasTmux) spawnSync('tmux', ['-L', socket, 'kill-server']);
});

describe.skipIf(!hasTmux)('real terminal (tmux 80x24)', () => {
  it('walks a whole dry-run install of single-sata.json and prints the plan', async () => {
    const cmd = `cd ${root} && node bin/openve-install.js --dry-run --hardware test/fixtures/hardware/single-sata.json; echo "EXIT=$?"; sleep 120`;
    tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', 'sh', '-c', cmd);
    const screens: string[] = [];
    const on = async (text: string, ...then: string[]) => {
      const s = await waitScreen(text, screens.length === 0 ? 60_000 : 15_000); // the first run may bundle dist/
      screens.push(s);
      if (then.length) keys(...then);
      return s;
    };

    const welcome = await on('Welcome to openve', 'Enter');
    expect(welcome.split('\n').every((l) => l.length <= 80)).toBe(true);
    expect(welcome).toContain('+------');
    await on('Intel VT-x, /dev/kvm present', 'Enter');
    await on('Layout: LVM-thin (ext4) on /dev/sda', 'Enter');
    await on('Location and keyboard', 'Enter');
    await on('Root password');
    type(PASSWORD);
    keys('Tab');
    type(PASSWORD);
    keys('Enter');
    await on('Authorized keys (0)', 'Enter');
    await on('The management network', 'Enter');
    await on('Nodes in a cluster', 'Enter');
    const summary = await on('Disks to ERASE');
    expect(summary).toMatch(
      /\/dev\/sda {2}465\.8 GiB {2}Samsung SSD 870 EVO 500GB {2}serial S6PWNJ0T412345A/,
    );
    keys('Enter');
    await on('type the host name');
    type('openve');
    keys('Enter');
    const done = await on('Installation simulated', 'Enter');
    expect(done).toContain('Next steps');
    const end = await waitScreen('EXIT=0', 15_000, true);
    expect(end).toContain('Install plan for openve.localdomain');
    for (const s of [...screens, end]) expect(s).not.toContain(PASSWORD);
  }, 180_000);

  it('Ctrl-C asks, and y leaves with exit 130 and a note that nothing was written', async () => {
    tmux('kill-session', '-t', session);
    const cmd = `cd ${root} && node bin/openve-install.js --dry-run --hardware test/fixtures/hardware/no-vtx.json; echo "EXIT=$?"; sleep 120`;
    tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', 'sh', '-c', cmd);
    await waitScreen('Welcome to openve', 60_000);
    keys('Enter');
    expect(await waitScreen('MISSING')).toContain('! No VT-x/AMD-V');
    keys('C-c');
    expect(await waitScreen('Quit the installer?')).toContain(
      'Nothing has been written to any disk yet.',
    );
    keys('y');
    expect(await waitScreen('EXIT=130')).toContain('quit before installing; nothing was written');
  }, 120_000);
});
