// A whole interactive dry-run install through the real App and the real engine (applyPlan with
// the dry-run runner): keys only, defaults accepted, to the plan that `openve-install` prints.
import { render } from 'ink-testing-library';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAnswers } from '../../installer/answers/parse.ts';
import { realRunner } from '../../lib/exec/runner.ts';
import { formatPlan } from '../../installer/plan/format.ts';
import { App } from '../../installer/ui/app.tsx';
import { createServices } from '../../installer/ui/engine.ts';
import type { WizardState } from '../../installer/ui/wizard/state.ts';
import { KEY, PASSWORD, startState, waitFor } from './helpers.ts';

const answerPath = path.join(tmpdir(), `openve-ui-walk-${process.pid}.toml`);
let unmount: (() => void) | null = null;
afterEach(() => {
  unmount?.();
  rmSync(answerPath, { force: true });
});

describe('walk-through', () => {
  it('defaults + password: 11 keystroke-screens to a dry-run install, the plan, and a saved answer file', async () => {
    const services = createServices({
      dryRun: true,
      logPath: '/dev/null',
      tools: realRunner(),
      paceMs: 0,
    });
    const exits: WizardState[] = [];
    const r = render(
      <App initial={startState()} services={services} onExit={(s) => exits.push(s)} />,
    );
    unmount = r.unmount;
    const frame = () => r.lastFrame() ?? '';
    let screens = 0;
    /** one keystroke-screen: wait for the screen, then the keys that finish it */
    const step = async (title: string, ...keys: string[]) => {
      await waitFor(frame, title);
      screens++;
      for (const k of keys) r.stdin.write(k);
    };

    await step('Welcome to openve', KEY.enter);
    await step('Virtualization', KEY.enter);
    await step('Layout: LVM-thin (ext4) on /dev/sda', KEY.enter);
    await step('Location and keyboard', KEY.enter);
    await step('Root password', PASSWORD, KEY.tab, PASSWORD, KEY.enter);
    await step('Authorized keys (0)', KEY.enter);
    await step('The management network', KEY.enter);
    await step('Nodes in a cluster', KEY.enter);
    // the summary: save the answer file on the way (not counted: optional)
    await waitFor(frame, 'Disks to ERASE');
    r.stdin.write('s');
    await waitFor(frame, '/tmp/answer.toml');
    r.stdin.write(KEY.ctrlU);
    r.stdin.write(answerPath);
    r.stdin.write(KEY.enter);
    await waitFor(frame, `saved to ${answerPath}`, 20_000);
    r.stdin.write(KEY.esc);
    await waitFor(frame, 'Enter continues to the final confirmation');
    await step('Disks to ERASE', KEY.enter);
    await step('type the host name', 'openve', KEY.enter);
    await step('Installation simulated', KEY.enter);
    await waitFor(() => String(exits.length), '1');

    expect(screens).toBeLessThanOrEqual(12);
    const end = exits[0]!;
    expect(end.exit).toEqual({ code: 0 });
    expect(end.progress.finished?.ok).toBe(true);
    expect(end.progress.error).toBeNull();
    const printed = formatPlan(end.plan!);
    expect(printed).toContain('/dev/sda');
    expect(printed).not.toContain(PASSWORD);
    expect(r.frames.join('')).not.toContain(PASSWORD);

    const saved = readFileSync(answerPath, 'utf8');
    expect(saved).not.toContain(PASSWORD);
    expect(saved).toMatch(/root-password-hashed = "\$(y|6)\$/);
    const parsed = parseAnswers(saved);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.value.disk.selection).toEqual({ kind: 'list', disks: ['sda'] });
  }, 60_000);
});
