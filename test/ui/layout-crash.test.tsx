// The yoga-layout crash (`RuntimeError: memory access out of bounds`, wasm module 000460e2) under
// the Ink app: the same error injected at render time on a wizard screen, during a running
// install, and as the uncaught exception a throttled redraw throws. mount.tsx must draw the same
// screen again with the same answers, never start the install twice, give up after MAX_RESTARTS,
// and leave every other error alone.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProgressSink } from '../../contracts/progress.ts';
import { createMemory, type UiMemory } from '../../installer/ui/memory.ts';
import { isLayoutCrash, MAX_RESTARTS, mountApp, type Mounted } from '../../installer/ui/mount.tsx';
import type { WizardState } from '../../installer/ui/wizard/state.ts';
import { fakeServices, KEY, PASSWORD, pollUntil, SSH_KEY, waitFor, walkTo } from './helpers.ts';

// screens that throw the layout error (or another) while `boom` says so
const boom = vi.hoisted(() => ({ ssh: 0, progress: 0, other: 0 }));
const layoutError = () => new WebAssembly.RuntimeError('memory access out of bounds');
vi.mock('../../installer/ui/screens/ssh/view.tsx', async (original) => {
  const real = await original<typeof import('../../installer/ui/screens/ssh/view.tsx')>();
  return {
    SshScreen: (props: Parameters<typeof real.SshScreen>[0]) => {
      if (boom.other > 0) {
        boom.other--;
        throw new Error('a bug in a screen');
      }
      if (boom.ssh > 0) {
        boom.ssh--;
        throw layoutError();
      }
      return real.SshScreen(props);
    },
  };
});
vi.mock('../../installer/ui/screens/progress/view.tsx', async (original) => {
  const real = await original<typeof import('../../installer/ui/screens/progress/view.tsx')>();
  return {
    ProgressScreen: (props: Parameters<typeof real.ProgressScreen>[0]) => {
      if (boom.progress > 0) {
        boom.progress--;
        throw layoutError();
      }
      return real.ProgressScreen(props);
    },
  };
});

class Stdout extends EventEmitter {
  columns = 100;
  rows = 40;
  last = '';
  write = (frame: string) => {
    this.last = frame;
    return true;
  };
}
class Stdin extends EventEmitter {
  isTTY = true;
  data: string | null = null;
  write = (data: string) => {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  };
  read = () => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

let mounted: Mounted | null = null;
afterEach(() => {
  boom.ssh = boom.progress = boom.other = 0;
  try {
    mounted?.instance().unmount();
  } catch {
    // already gone
  }
  mounted = null;
});

function start(memory: UiMemory, services = fakeServices()) {
  const stdout = new Stdout();
  const stdin = new Stdin();
  const stderr = new Stdout();
  const events = new EventEmitter();
  const logs: string[] = [];
  const rethrown: unknown[] = [];
  const exits: WizardState[] = [];
  const m = mountApp({
    memory,
    services,
    onExit: (s) => exits.push(s),
    log: (l) => logs.push(l),
    events,
    rethrow: (err) => rethrown.push(err),
    render: {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      stderr: stderr as unknown as NodeJS.WriteStream,
      debug: true,
      exitOnCtrlC: false,
      patchConsole: false,
    },
  });
  mounted = m;
  let failure: unknown = null;
  m.done.catch((err: unknown) => (failure = err));
  const frame = () => stdout.last;
  const press = (...keys: string[]) => keys.forEach((k) => stdin.write(k));
  return { m, frame, press, logs, rethrown, exits, events, failure: () => failure, services };
}

describe('the yoga-layout crash under the Ink app', { timeout: 20_000 }, () => {
  it('is recognised by its error, and nothing else is', () => {
    expect(isLayoutCrash(layoutError())).toBe(true);
    expect(isLayoutCrash(new WebAssembly.RuntimeError('unreachable'))).toBe(false);
    expect(isLayoutCrash(new Error('memory access out of bounds'))).toBe(false);
  });

  it('at render time on the SSH screen: the same screen comes back with what was typed and the answers', async () => {
    const memory = createMemory(walkTo('ssh'));
    const ui = start(memory);
    await waitFor(ui.frame, 'Authorized keys (0)');
    ui.press(SSH_KEY, KEY.enter);
    await waitFor(ui.frame, 'Authorized keys (1)');
    ui.press('ssh-ed25519 AAA');
    await waitFor(ui.frame, 'ssh-ed25519 AAA');
    boom.ssh = 2; // the next redraw crashes (React renders a failed component twice)
    ui.press('B');
    await pollUntil('a new App', () => ui.m.restarts() === 1 && ui.m.mounts() === 2, 4000);
    const f = await waitFor(ui.frame, 'ssh-ed25519 AAAB');
    expect(f).toContain('Authorized keys (1)');
    expect(ui.logs).toHaveLength(1);
    expect(ui.logs[0]).toMatch(
      /screen layout crashed \(yoga-layout: memory access out of bounds, render\); drawing the SSH keys screen again \(1\/5\)/,
    );
    expect(ui.logs[0]).not.toContain(PASSWORD);
    // the new tree takes keys (once each: the dropped one reads none)
    ui.press('C');
    await waitFor(ui.frame, 'ssh-ed25519 AAABC');
    expect(ui.frame()).not.toContain('AAABCC');
    expect(memory.get().screen).toBe('ssh');
    expect(memory.get().values.password.password).toBe(PASSWORD);
    // and the wizard goes on from there
    ui.press(KEY.ctrlU, KEY.enter);
    await waitFor(ui.frame, 'The management network');
    expect(memory.get().values.ssh.keys).toEqual([SSH_KEY]);
    expect(ui.failure()).toBeNull();
  });

  it('during a running install: the install reports on, is started once, and ends on the done screen', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const services = fakeServices({ dryRun: false });
    let installs = 0;
    services.install = async (plan, _answers, sink: ProgressSink) => {
      installs++;
      sink({ type: 'progress', ratio: 0.1, step: plan.steps[0]!.id, text: 'first step' });
      await gate;
      for (const [i, step] of plan.steps.entries())
        sink({ type: 'progress', ratio: i / plan.steps.length, step: step.id, text: step.title });
      sink({ type: 'finished', ok: true, seconds: 42 });
    };
    const memory = createMemory(walkTo('progress'));
    const ui = start(memory, services);
    await waitFor(ui.frame, 'Installing openve on /dev/sda');
    await pollUntil('the install', () => installs === 1, 4000);
    boom.progress = 2;
    memory.dispatch({ type: 'event', event: { type: 'message', text: 'while it crashes' } });
    await pollUntil('a new App', () => ui.m.restarts() === 1 && ui.m.mounts() === 2, 4000);
    await waitFor(ui.frame, 'while it crashes');
    expect(ui.logs[0]).toMatch(/drawing the Installing screen again \(1\/5\); the install goes on/);
    release();
    const done = await waitFor(ui.frame, 'Installation complete');
    expect(done).toContain('Installation complete in 42 s');
    expect(installs).toBe(1);
    expect(memory.installStarted).toBe(true);
    ui.press(KEY.enter);
    await ui.m.done;
    expect(ui.exits.map((s) => s.exit)).toEqual([{ code: 0 }]);
  });

  it('thrown by a redraw timer (uncaught): re-mounted; another uncaught error is not ours', async () => {
    const memory = createMemory(walkTo('ssh'));
    const ui = start(memory);
    await waitFor(ui.frame, 'Authorized keys (0)');
    ui.press('ssh-rsa X');
    await waitFor(ui.frame, 'ssh-rsa X');
    ui.events.emit('uncaughtException', layoutError());
    await pollUntil('a new App', () => ui.m.restarts() === 1 && ui.m.mounts() === 2, 4000);
    ui.press('Y'); // to the new tree, which kept what was typed
    await waitFor(ui.frame, 'ssh-rsa XY');
    expect(ui.logs[0]).toContain('redraw');
    const other = new TypeError('x is undefined');
    ui.events.emit('uncaughtException', other);
    expect(ui.rethrown).toEqual([other]);
    expect(ui.m.restarts()).toBe(1);
  });

  it(`gives up after ${MAX_RESTARTS} restarts: the error goes to the recovery path as before`, async () => {
    const memory = createMemory(walkTo('ssh'));
    boom.ssh = 1000;
    const ui = start(memory);
    await expect(ui.m.done).rejects.toThrow('memory access out of bounds');
    expect(ui.m.restarts()).toBe(MAX_RESTARTS);
    expect(ui.logs).toHaveLength(MAX_RESTARTS + 1);
    expect(ui.logs.at(-1)).toMatch(/crashed again .* after 5 restarts; giving up/);
  });

  it('another error while rendering still crashes the UI, with no restart', async () => {
    const memory = createMemory(walkTo('ssh'));
    boom.other = 2;
    const ui = start(memory);
    await expect(ui.m.done).rejects.toThrow('a bug in a screen');
    expect(ui.m.restarts()).toBe(0);
    expect(ui.logs).toEqual([]);
  });
});

describe("the interactive e2e's known causes", () => {
  it('names the layout crash from the recovery screen or the UI log line', async () => {
    const { knownCauses } = await import('../e2e/lib/interactive.ts');
    expect(
      knownCauses('wasm://wasm/000460e2:1\nRuntimeError: memory access out of bounds\n'),
    ).toEqual([expect.stringContaining('yoga-layout')]);
    expect(knownCauses('the install failed; screen:\nsgdisk exited with 2')).toEqual([]);
  });
});
