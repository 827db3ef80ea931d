// The wizard: one pure reducer over every screen. Screens only collect values and send them here;
// this decides validation, order, Back, the plan, the destructive confirmation and progress.
import type { Issue } from '../../../lib/errors.ts';
import type { HardwareProfile } from '../../../contracts/hardware/types.ts';
import { buildPlan } from '../../plan/buildPlan.ts';
import type { Plan } from '../../../contracts/plan/types.ts';
import type { ProgressEvent } from '../../../contracts/progress.ts';
import { hostnameOf, toAnswers } from './answers.ts';
import { validateValues, type FieldErrors } from './validate.ts';
import type { NetworkLease, WizardValues } from './values.ts';

export const SCREENS = [
  'welcome',
  'hardware',
  'disk',
  'locale',
  'password',
  'ssh',
  'network',
  'cluster',
  'summary',
  'confirm',
  'progress',
  'done',
] as const;
export type Screen = (typeof SCREENS)[number];

/** Screens the user walks through before anything is written (Back works on all of them). */
export const FORM_SCREENS: readonly Screen[] = SCREENS.slice(0, SCREENS.indexOf('progress'));

export const SCREEN_TITLES: Record<Screen, string> = {
  welcome: 'Welcome',
  hardware: 'Hardware',
  disk: 'Target disk',
  locale: 'Location and keyboard',
  password: 'Administrator',
  ssh: 'SSH keys',
  network: 'Network',
  cluster: 'Cluster',
  summary: 'Summary',
  confirm: 'Confirm',
  progress: 'Installing',
  done: 'Finished',
};

export interface ProgressState {
  ratio: number;
  step: string;
  text: string;
  log: string[]; // last lines
  startedAt: number | null;
  finished: { ok: boolean; seconds: number } | null;
  error: { step: string; text: string } | null;
}

export interface WizardState {
  screen: Screen;
  hw: HardwareProfile;
  /** the live system's DHCP lease the network screen was prefilled from, if any */
  lease: NetworkLease | null;
  values: WizardValues;
  errors: FieldErrors;
  licenseAccepted: boolean;
  plan: Plan | null;
  planIssues: Issue[];
  confirmError: string | null;
  progress: ProgressState;
  quitPrompt: boolean;
  exit: { code: number } | null;
}

/** Screen actions carry the screen that sent them (`from`): a key that arrives after the wizard
 *  moved on (type-ahead, a stale handler) can never act on the next screen. */
export type WizardAction = (
  | { type: 'accept-license' }
  | { type: 'next' }
  | { type: 'submit'; values?: Partial<WizardValues> }
  | { type: 'back'; values?: Partial<WizardValues> }
  | { type: 'confirm'; typed: string; now: number }
  | { type: 'event'; event: ProgressEvent }
  | { type: 'finish' }
  | { type: 'quit-ask' }
  | { type: 'quit-cancel' }
  | { type: 'quit-confirm' }
) & { from?: Screen };

export const LOG_LINES = 6;

export function initialState(
  hw: HardwareProfile,
  values: WizardValues,
  lease: NetworkLease | null = null,
): WizardState {
  return {
    screen: 'welcome',
    hw,
    lease,
    values,
    errors: {},
    licenseAccepted: false,
    plan: null,
    planIssues: [],
    confirmError: null,
    progress: {
      ratio: 0,
      step: '',
      text: '',
      log: [],
      startedAt: null,
      finished: null,
      error: null,
    },
    quitPrompt: false,
    exit: null,
  };
}

const next = (s: Screen): Screen => SCREENS[Math.min(SCREENS.indexOf(s) + 1, SCREENS.length - 1)]!;
const prev = (s: Screen): Screen => SCREENS[Math.max(SCREENS.indexOf(s) - 1, 0)]!;

function merge(values: WizardValues, patch: Partial<WizardValues> | undefined): WizardValues {
  return patch ? { ...values, ...patch } : values;
}

/** The plan for the summary: planned from the same Answers an answer file would produce. */
function withPlan(state: WizardState): WizardState {
  const result = buildPlan(toAnswers(state.values, state.hw), state.hw);
  return result.ok
    ? { ...state, plan: result.value, planIssues: [] }
    : { ...state, plan: null, planIssues: result.issues };
}

export function hostnameToType(state: WizardState): string {
  return state.plan?.summary.hostname ?? hostnameOf(state.values.network.fqdn);
}

function advance(state: WizardState): WizardState {
  const to = next(state.screen);
  const moved = { ...state, screen: to, errors: {}, confirmError: null };
  return to === 'summary' ? withPlan(moved) : moved;
}

function onEvent(state: WizardState, event: ProgressEvent): WizardState {
  const p = state.progress;
  const log = (line: string) => [...p.log, line].slice(-LOG_LINES);
  switch (event.type) {
    case 'progress':
      return {
        ...state,
        progress: {
          ...p,
          ratio: Math.max(p.ratio, Math.min(1, event.ratio)),
          step: event.step,
          text: event.text,
          log: event.text !== p.text ? log(event.text) : p.log,
        },
      };
    case 'message':
      return { ...state, progress: { ...p, log: log(event.text) } };
    case 'warning':
      return { ...state, progress: { ...p, log: log(`warning: ${event.text}`) } };
    case 'error':
      return {
        ...state,
        progress: {
          ...p,
          log: log(`error: ${event.text}`),
          error: p.error ?? { step: event.step ?? p.step, text: event.text },
        },
      };
    case 'finished':
      return {
        ...state,
        screen: 'done',
        progress: {
          ...p,
          ratio: event.ok ? 1 : p.ratio,
          finished: { ok: event.ok, seconds: event.seconds },
        },
      };
  }
}

export function wizardReducer(state: WizardState, action: WizardAction): WizardState {
  if (state.exit) return state;
  if (action.from !== undefined && action.from !== state.screen) return state;
  switch (action.type) {
    case 'quit-ask':
      return { ...state, quitPrompt: true };
    case 'quit-cancel':
      return { ...state, quitPrompt: false };
    case 'quit-confirm':
      return { ...state, quitPrompt: false, exit: { code: 130 } };
    case 'event':
      return state.screen === 'progress' || state.screen === 'done'
        ? onEvent(state, action.event)
        : state;
    case 'finish':
      return state.screen === 'done'
        ? { ...state, exit: { code: state.progress.finished?.ok ? 0 : 1 } }
        : state;
  }
  if (state.quitPrompt) return state;
  switch (action.type) {
    case 'accept-license':
      return state.screen === 'welcome' ? advance({ ...state, licenseAccepted: true }) : state;
    case 'next':
      if (state.screen === 'welcome' && !state.licenseAccepted) return state;
      return state.screen === 'hardware' || state.screen === 'welcome' ? advance(state) : state;
    case 'submit': {
      if (!FORM_SCREENS.includes(state.screen) || state.screen === 'confirm') return state;
      if (state.screen === 'welcome' && !state.licenseAccepted) return state;
      const values = merge(state.values, action.values);
      const errors = validateValues(state.screen, values, state.hw);
      if (Object.keys(errors).length > 0) return { ...state, values, errors };
      if (state.screen === 'summary' && !state.plan) return state;
      return advance({ ...state, values });
    }
    case 'back': {
      if (!FORM_SCREENS.includes(state.screen) || state.screen === 'welcome') return state;
      return {
        ...state,
        values: merge(state.values, action.values),
        screen: prev(state.screen),
        errors: {},
        confirmError: null,
      };
    }
    case 'confirm': {
      if (state.screen !== 'confirm' || !state.plan) return state;
      const expected = hostnameToType(state);
      if (action.typed.trim() !== expected)
        return {
          ...state,
          confirmError: `type the host name '${expected}' exactly to start (Esc goes back)`,
        };
      return {
        ...state,
        screen: 'progress',
        confirmError: null,
        progress: { ...state.progress, startedAt: action.now },
      };
    }
  }
  return state;
}
