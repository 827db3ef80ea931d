// state.json and /api/machines as text, without re-serializing 1,000 machines every time one of
// them reports: machine states are immutable (every transition in state.ts makes a new object),
// so each one's JSON is kept for as long as the object lives.
import type { FleetState, MachineState } from '../../contracts/fleet.ts';

const machineJson = new WeakMap<MachineState, string>();

/** The same text as JSON.stringify(state), with unchanged machines' JSON reused. */
export function stateJson(state: FleetState): string {
  const machines = state.machines.map((m) => {
    let text = machineJson.get(m);
    if (text === undefined) {
      text = JSON.stringify(m);
      machineJson.set(m, text);
    }
    return text;
  });
  return `{"server":${JSON.stringify(state.server)},"machines":[${machines.join(',')}]}`;
}
