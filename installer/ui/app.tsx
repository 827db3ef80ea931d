// The installer app: the wizard reducer, the current screen, the Ctrl-C prompt, and the two
// effects (starting the install after the confirmation, leaving when the wizard says so).
import { Box, useApp, useInput, type Key } from 'ink';
import { InputRouter, useInputRouter } from './components/input-router.tsx';
import { useCallback, useEffect, useReducer, useRef, type ComponentType } from 'react';
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
import { wizardReducer, type Screen, type WizardAction, type WizardState } from './wizard/state.ts';

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
}

export function App({ initial, services, onExit }: AppProps) {
  const [state, dispatch] = useReducer(wizardReducer, initial);
  const { exit } = useApp();
  const started = useRef(false);
  const router = useInputRouter();
  const quitPrompt = useRef(state.quitPrompt);
  quitPrompt.current = state.quitPrompt;
  router.current = null; // the screen rendered below registers its handler

  // the one stdin subscription: Ctrl-C and the quit prompt here, everything else to the screen
  useInput((raw, rawKey) => {
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
    [screen],
  );

  // the only place that starts writing: after the confirmation moved the wizard to 'progress'
  useEffect(() => {
    if (state.screen !== 'progress' || started.current || !state.plan) return;
    started.current = true;
    const sink = (event: Parameters<Parameters<Services['install']>[2]>[0]) =>
      dispatch({ type: 'event', event });
    services.install(state.plan, toAnswers(state.values, state.hw), sink).catch((err: unknown) => {
      sink({ type: 'error', text: err instanceof Error ? err.message : String(err) });
      sink({ type: 'finished', ok: false, seconds: 0 });
    });
  }, [state.screen, state.plan, state.values, state.hw, services]);

  useEffect(() => {
    if (!state.exit) return;
    onExit(state);
    exit();
  }, [state, onExit, exit]);

  const View = SCREEN_VIEWS[state.screen];
  return (
    <Box flexDirection="column">
      <Box display={state.quitPrompt ? 'none' : 'flex'} flexDirection="column">
        <InputRouter.Provider value={router}>
          <View
            key={state.screen}
            state={state}
            dispatch={screenDispatch}
            active={!state.quitPrompt}
            services={services}
          />
        </InputRouter.Provider>
      </Box>
      {state.quitPrompt ? <QuitPrompt installing={state.screen === 'progress'} /> : null}
    </Box>
  );
}
