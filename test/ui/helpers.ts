// Shared pieces of the UI tests: fixtures, fake services, keys, and waiting on frames (polling
// lastFrame() until the text appears, with a timeout) — never fixed sleeps.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadHardwareFile } from '../../installer/hardware/fixture.ts';
import type { HardwareProfile } from '../../contracts/hardware/types.ts';
import type { ProgressEvent } from '../../contracts/progress.ts';
import type { Services } from '../../installer/ui/services.ts';
import { initialValues } from '../../installer/ui/wizard/initial.ts';
import { initialState, wizardReducer, type WizardState } from '../../installer/ui/wizard/state.ts';
import type { NetworkLease } from '../../installer/ui/wizard/values.ts';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const fixture = (name: string): string =>
  path.join(root, 'test/fixtures/hardware', `${name}.json`);
export const hardware = (name = 'single-sata'): HardwareProfile => loadHardwareFile(fixture(name));

export const PASSWORD = 'passw0rd-fixture';
export const SSH_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDB5K0y4K/YUMlCUKTHHXyAxDwsnEwVkKpEdWr6xZUkZ alice@laptop';
export const LOCALE = { country: 'at', timezone: 'Europe/Vienna', keyboard: 'de' };
export const LEASE: NetworkLease = {
  nic: 'eno1',
  cidr: '192.168.1.10/24',
  gateway: '192.168.1.1',
  dns: '192.168.1.1',
  domain: 'example.com',
  hostname: 'pve1',
};

export function startState(hw = hardware(), lease: NetworkLease | null = null): WizardState {
  return initialState(hw, initialValues(hw, LOCALE, lease), lease);
}

export interface FakeServices extends Services {
  saved: { path: string; answers: unknown }[];
  installs: number;
}

/** Services without side effects: install plays the plan's steps as events, save records. */
export function fakeServices(opts: { fail?: string; dryRun?: boolean } = {}): FakeServices {
  const s: FakeServices = {
    dryRun: opts.dryRun ?? true,
    logPath: '/tmp/openve-test.log',
    saved: [],
    installs: 0,
    now: () => 1_000_000,
    async saveAnswers(answers, p) {
      s.saved.push({ path: p, answers });
      return p;
    },
    async install(plan, _answers, sink) {
      s.installs++;
      for (const [i, step] of plan.steps.entries()) {
        await Promise.resolve();
        sink({ type: 'progress', ratio: i / plan.steps.length, step: step.id, text: step.title });
        if (step.id === opts.fail) {
          sink({
            type: 'error',
            step: step.id,
            text: `${step.id} failed: \`sgdisk --zap-all /dev/sda\` exited with 2\nProblem opening /dev/sda`,
          });
          sink({ type: 'finished', ok: false, seconds: 3 });
          return;
        }
      }
      sink({ type: 'finished', ok: true, seconds: 42 });
    },
  };
  return s;
}

export const KEY = {
  enter: '\r',
  esc: '\u001b',
  tab: '\t',
  up: '\u001b[A',
  down: '\u001b[B',
  right: '\u001b[C',
  left: '\u001b[D',
  pgdn: '\u001b[6~',
  backspace: '\u007f',
  space: ' ',
  ctrlC: '\u0003',
  ctrlU: '\u0015',
} as const;

/** Polls frame() until it contains `text` (or matches), failing with the last frame after `timeoutMs`. */
export async function waitFor(
  frame: () => string | undefined,
  text: string | RegExp,
  timeoutMs = 4000,
): Promise<string> {
  const started = Date.now();
  for (;;) {
    const f = frame() ?? '';
    if (typeof text === 'string' ? f.includes(text) : text.test(f)) return f;
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out waiting for ${String(text)}; last frame:\n${f}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Polls until the frame no longer contains `text`. */
export async function waitGone(
  frame: () => string | undefined,
  text: string,
  timeoutMs = 4000,
): Promise<string> {
  return waitFor(
    frame,
    new RegExp(`^(?![\\s\\S]*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})`),
    timeoutMs,
  );
}

export type { ProgressEvent };

/** The wizard state on `screen`, reached through the reducer with defaults (plus a password). */
export function walkTo(screen: WizardState['screen'], s = startState()): WizardState {
  let state = s;
  const pw = { password: { password: PASSWORD, confirm: PASSWORD, mailto: 'admin@example.com' } };
  for (let i = 0; i < 20 && state.screen !== screen; i++) {
    if (state.screen === 'welcome') state = wizardReducer(state, { type: 'accept-license' });
    else if (state.screen === 'hardware') state = wizardReducer(state, { type: 'next' });
    else if (state.screen === 'password')
      state = wizardReducer(state, { type: 'submit', values: pw });
    else if (state.screen === 'confirm')
      state = wizardReducer(state, { type: 'confirm', typed: 'openve', now: 5 });
    else state = wizardReducer(state, { type: 'submit' });
  }
  if (state.screen !== screen) throw new Error(`walkTo: stuck on ${state.screen}`);
  return state;
}

/** Polls get() every 25 ms until it returns something truthy; throws naming `what` after timeoutMs. */
export async function pollUntil<T>(what: string, get: () => T | null | undefined | false | '', timeoutMs: number): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
