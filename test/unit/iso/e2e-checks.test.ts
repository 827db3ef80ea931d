// The e2e node checks' shell commands, run here with stand-in systemctl/journalctl: a `degraded`
// node must print its failed units' journals (a CI failure that explains itself), and the slow-
// dmeventd check must tell a unit that retried from one that failed.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRunner } from '../../../lib/exec/index.ts';
import { defaultPath } from '../../../lib/exec/path.ts';
import {
  SLOW_DMEVENTD_CMD,
  SYSTEM_RUNNING_CMD,
  slowDmeventdOk,
  systemRunning,
} from '../../e2e/lib/checks.ts';

const bin = mkdtempSync(path.join(tmpdir(), 'openve-inst-fakebin-'));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function fake(name: string, script: string): void {
  const f = path.join(bin, name);
  writeFileSync(f, `#!/bin/sh\n${script}\n`);
  chmodSync(f, 0o755);
}

async function runOnNode(state: string, failed: string[]): Promise<string> {
  fake(
    'systemctl',
    [
      `[ "$1" = is-system-running ] && { echo ${state}; exit 1; }`,
      `[ "$1" = --failed ] && { ${failed.map((u) => `echo "${u} loaded failed failed Some unit";`).join(' ')} true; }`,
    ].join('\n'),
  );
  fake(
    'journalctl',
    'echo "journalctl $*"; echo "[  143.101] node lvm[412]: No input from event server."',
  );
  const r = await createRunner('real').run(['sh', '-c', SYSTEM_RUNNING_CMD], {
    env: { PATH: `${bin}:${defaultPath()}` },
    reject: false,
  });
  return r.stdout;
}

describe('e2e check: systemctl is-system-running', () => {
  it('a degraded node prints each failed unit with the end of its journal of this boot', async () => {
    const out = await runOnNode('degraded', ['lvm2-monitor.service', 'other.service']);
    expect(systemRunning(out)).toBe(false);
    expect(out.split('\n')[0]).toBe('degraded');
    expect(out).toContain('lvm2-monitor.service loaded failed failed');
    expect(out).toContain('--- journalctl -u lvm2-monitor.service -b');
    expect(out).toContain('journalctl -u lvm2-monitor.service -b --no-pager -o short-monotonic');
    expect(out).toContain('journalctl -u other.service -b --no-pager');
    expect(out).toContain('No input from event server.');
  });

  it('a running node passes and prints no journal', async () => {
    const out = await runOnNode('running', []);
    expect(systemRunning(out)).toBe(true);
    expect(out).not.toContain('journalctl');
  });
});

describe('e2e check: lvm2-monitor waits out a slow dmeventd', () => {
  const tail = (lines: string[]) => ['start exit 0', ...lines, '  monitored', '-- journal --'];
  it('passes when the unit restarted and ended active with the pool monitored', () => {
    expect(
      slowDmeventdOk(tail(['ActiveState=active', 'Result=success', 'NRestarts=1']).join('\n')),
    ).toBe(true);
  });
  it('fails when the unit failed (no drop-in), or never had to retry (the test proved nothing)', () => {
    expect(
      slowDmeventdOk(
        tail(['ActiveState=failed', 'Result=exit-code', 'NRestarts=0'])
          .join('\n')
          .replace('  monitored', '  not monitored'),
      ),
    ).toBe(false);
    expect(
      slowDmeventdOk(tail(['ActiveState=active', 'Result=success', 'NRestarts=0']).join('\n')),
    ).toBe(false);
  });
  it('restores dmeventd: the slow runtime drop-in is removed before the results are read', () => {
    const rm = SLOW_DMEVENTD_CMD.indexOf('rm -f $d/e2e-slow.conf');
    expect(rm).toBeGreaterThan(SLOW_DMEVENTD_CMD.indexOf('systemctl start lvm2-monitor.service'));
    expect(SLOW_DMEVENTD_CMD.indexOf('systemctl show -p ActiveState')).toBeGreaterThan(rm);
    expect(SLOW_DMEVENTD_CMD).toContain('/run/systemd/system/dm-event.service.d');
  });
});
