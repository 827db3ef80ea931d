import type { Services } from '../services.ts';
import type { WizardAction, WizardState } from '../wizard/state.ts';

export interface ScreenProps {
  state: WizardState;
  dispatch: (action: WizardAction) => void;
  /** false while the quit prompt is up: the screen ignores keys */
  active: boolean;
  services: Services;
}
