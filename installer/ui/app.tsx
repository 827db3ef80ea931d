// The installer app: the wizard reducer, the current screen, the Ctrl-C prompt, and the two
// effects (starting the install after the confirmation, leaving when the wizard says so).
// The wizard state lives in the UI's memory (memory.ts), outside React: mount.tsx can mount a new
// App on it after a layout crash, on the same screen, without starting the install again.
import { Box, useApp, useInput, type Key } from 'ink';
import { InputRouter, useInputRouter } from './components/input-router.tsx';
import {
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type ComponentType,
} from 'react';
import { ScreenMemory, type ScreenSlot } from './components/use-sync-state.ts';
import { createMemory, type UiMemory } from './memory.ts';
import { QuitPrompt } from './components/quit-prompt.tsx';
import { splitInput, toKeyPress } from './keys.ts';
import { ClusterScreen } from './screens/cluster/view.tsx';
import { ConfirmScreen } from './screens/confirm/view.tsx';
import { DiskScreen } from './screens/disk/view.tsx';
import { DoneScreen } from './screens/done/view.tsx';
import { HardwareScreen } from './screens/hardware/view.tsx';
import { LocaleScreen } from './screens/locale/view.tsx';
import { NetworkScreen } from './screens/network/view.tsx';
import { PasswordScreen } from './screens/password/view.tsx';
import { ProgressScreen } from './screens/progress/view.tsx';
import { SshScreen } from './screens/ssh/view.tsx';
import { SummaryScreen } from './screens/summary/view.tsx';
import type { ScreenProps } from './screens/types.ts';
import { WelcomeScreen } from './screens/welcome/view.tsx';
import type { Services } from './services.ts';
import { toAnswers } from './wizard/answers.ts';
import type { Screen, WizardAction, WizardState } from './wizard/state.ts';

const SCREEN_VIEWS: Record<Screen, ComponentType<ScreenProps>> = {
  welcome: WelcomeScreen,
  hardware: HardwareScreen,
  disk: DiskScreen,
  locale: LocaleScreen,
  password: PasswordScreen,
  ssh: SshScreen,
  network: NetworkScreen,
  cluster: ClusterScreen,
  summary: SummaryScreen,
  confirm: ConfirmScreen,
  progress: ProgressScreen,
  done: DoneScreen,
};

export interface AppProps {
  initial: WizardState;
  services: Services;
  /** called once with the final state when the wizard ends (finish or quit) */
  onExit: (state: WizardState) => void;
  /** the state kept outside React (mount.tsx); without it the App keeps its own, from `initial` */
  memory?: UiMemory;
  /** this mount's number (mount.tsx): a tree that was replaced no longer acts on the memory */
  generation?: number;
}

export function App({ initial, services, onExit, memory: given, generation }: AppProps) {
  const [own] = useState(() => given ?? createMemory(initial));
  const memory = given ?? own;
  const state = useSyncExternalStore(memory.subscribe, memory.get);
  const live = useCallback(
    () => generation === undefined || memory.generation === generation,
    [memory, generation],
  );
  const dispatch = useCallback(
    (action: WizardAction) => {
      if (live()) memory.dispatch(action);
    },
    [memory, live],
  );
  const { exit } = useApp();
  const router = useInputRouter();
  const quitPrompt = useRef(state.quitPrompt);
  quitPrompt.current = state.quitPrompt;
  router.current = null; // the screen rendered below registers its handler

  // the one stdin subscription: Ctrl-C and the quit prompt here, everything else to the screen
  useInput((raw, rawKey) => {
    if (!live()) return; // a replaced tree that could not be unmounted reads no keys
    for (const [input, key] of splitInput(raw, rawKey)) route(input, key);
  });
  const route = (input: string, key: Key) => {
    const k = toKeyPress(input, key);
    if (k.kind === 'ctrl-c') dispatch({ type: quitPrompt.current ? 'quit-confirm' : 'quit-ask' });
    else if (quitPrompt.current) {
      if (k.kind === 'text' && k.text.toLowerCase() === 'y') dispatch({ type: 'quit-confirm' });
      else if (k.kind === 'escape' || (k.kind === 'text' && k.text.toLowerCase() === 'n'))
        dispatch({ type: 'quit-cancel' });
    } else router.current?.(input, key);
  };
  const screen = state.screen;
  const screenDispatch = useCallback(
    (action: WizardAction) => dispatch({ ...action, from: screen }),
    [screen, dispatch],
  );
  const slot = useMemo<ScreenSlot>(
    () => ({
      load: () => memory.loadScreen(screen),
      save: (value) => memory.saveScreen(screen, value),
    }),
    [memory, screen],
  );

  // the only place that starts writing: after the confirmation moved the wizard to 'progress'
  useEffect(() => {
    // once per memory: an App mounted again after a crash finds the install running
    if (state.screen !== 'progress' || memory.installStarted || !state.plan || !live()) return;
    memory.installStarted = true;
    // straight into the memory: the install reports even while no tree is mounted
    const sink = (event: Parameters<Parameters<Services['install']>[2]>[0]) =>
      memory.dispatch({ type: 'event', event });
    services.install(state.plan, toAnswers(state.values, state.hw), sink).catch((err: unknown) => {
      sink({ type: 'error', text: err instanceof Error ? err.message : String(err) });
      sink({ type: 'finished', ok: false, seconds: 0 });
    });
  }, [state.screen, state.plan, state.values, state.hw, services, memory, live]);

  useEffect(() => {
    if (!state.exit || !live()) return;
    onExit(state);
    exit();
  }, [state, onExit, exit, live]);

  const View = SCREEN_VIEWS[state.screen];
  return (
    <Box flexDirection="column">
      <Box display={state.quitPrompt ? 'none' : 'flex'} flexDirection="column">
        <InputRouter.Provider value={router}>
          <ScreenMemory.Provider value={slot}>
            <View
              key={state.screen}
              state={state}
              dispatch={screenDispatch}
              active={!state.quitPrompt}
              services={services}
            />
          </ScreenMemory.Provider>
        </InputRouter.Provider>
      </Box>
      {state.quitPrompt ? <QuitPrompt installing={state.screen === 'progress'} /> : null}
    </Box>
  );
}
