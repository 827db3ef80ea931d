// Keys that arrive faster than screens change (issue: "the UI exited right after Enter on the SSH
// screen the moment it appeared", serial console). Enter bursts, Enter in one read with other
// keys, and writes in the same tick never end the UI and never act on the screen after the one
// they were typed on; the UI keeps taking keys afterwards.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../installer/ui/app.tsx';
import type { WizardState } from '../../installer/ui/wizard/state.ts';
import { fakeServices, KEY, LEASE, PASSWORD, startState, waitFor, walkTo } from './helpers.ts';

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
});

function show(initial: WizardState) {
  const exits: WizardState[] = [];
  const r = render(
    <App initial={initial} services={fakeServices()} onExit={(s) => exits.push(s)} />,
  );
  cleanup = r.unmount;
  const frame = () => r.lastFrame() ?? '';
  return { ...r, frame, exits, see: (t: string) => waitFor(frame, t) };
}

describe('key bursts at screen changes', () => {
  for (const [name, lease] of [
    ['no lease', null],
    ['DHCP lease', LEASE],
  ] as const)
    it(`password + Enter + Enter bursts in one read, then Enter as the SSH screen appears (${name})`, async () => {
      const ui = show(walkTo('password', startState(undefined, lease)));
      await ui.see('Root password');
      ui.stdin.write(`${PASSWORD}\t${PASSWORD}\r\r\r`); // one read: the extra Enters were typed on this screen
      await ui.see('Authorized keys (0)');
      ui.stdin.write(KEY.enter); // at once
      await ui.see('The management network');
      ui.stdin.write('\r\r\r\r');
      await ui.see('Nodes in a cluster');
      expect(ui.exits).toEqual([]);
      ui.stdin.write(KEY.enter);
      await ui.see('Disks to ERASE');
      expect(ui.exits).toEqual([]);
    });

  it('writes in the same tick: the first Enter moves on, the rest stay behind, the UI lives on', async () => {
    const ui = show(walkTo('ssh'));
    await ui.see('Authorized keys (0)');
    for (let i = 0; i < 5; i++) ui.stdin.write(KEY.enter);
    await ui.see('The management network');
    expect(ui.frame()).not.toContain('Nodes in a cluster');
    ui.stdin.write(KEY.esc); // the UI still takes keys: Back to the SSH screen
    await ui.see('Authorized keys (0)');
    ui.stdin.write(`${KEY.enter}${KEY.down}${KEY.enter}`); // Enter with other keys in one read
    await ui.see('The management network');
    expect(ui.exits).toEqual([]);
  });
});
