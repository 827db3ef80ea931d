// The wizard's state kept outside React, so that a crashed Ink tree can be mounted again on the
// same screen with the same answers (mount.tsx): the reducer runs here, the App only subscribes.
// An install writes its events here too, so it keeps reporting while no tree is mounted, and
// `installStarted` makes sure a re-mounted App never starts it a second time.
import { wizardReducer, type Screen, type WizardAction, type WizardState } from './wizard/state.ts';

export interface UiMemory {
  get(): WizardState;
  dispatch(action: WizardAction): void;
  subscribe(listener: () => void): () => void;
  /** set once, by the App that starts the install */
  installStarted: boolean;
  /** the mount that owns the screen now (mount.tsx counts up on every re-mount) */
  generation: number;
  /** the current screen's own state (typed text, cursor...), for a re-mounted screen */
  loadScreen(screen: Screen): { value: unknown } | undefined;
  saveScreen(screen: Screen, value: unknown): void;
  /** where an error thrown while the mounted tree redraws goes (it never reaches the caller of
   *  dispatch: an install's progress sink must not fail because the screen did) */
  onRenderError: (err: unknown) => void;
}

export function createMemory(initial: WizardState): UiMemory {
  let state = initial;
  let slot: { screen: Screen; value: unknown } | null = null;
  const listeners = new Set<() => void>();
  const memory: UiMemory = {
    get: () => state,
    dispatch(action) {
      const before = state;
      state = wizardReducer(state, action);
      if (state === before) return;
      if (state.screen !== before.screen) slot = null; // a screen entered again starts afresh
      for (const listener of [...listeners]) {
        try {
          listener();
        } catch (err) {
          memory.onRenderError(err);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    installStarted: false,
    generation: 0,
    loadScreen: (screen) => (slot?.screen === screen ? { value: slot.value } : undefined),
    saveScreen(screen, value) {
      if (state.screen === screen) slot = { screen, value };
    },
    onRenderError: (err) => {
      throw err;
    },
  };
  return memory;
}
