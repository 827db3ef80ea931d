// Per-machine state: pure transitions (boot script fetched, answer asked for, progress events,
// failure log), kept in a store that the server persists as state.json for `serve --status`.
import type { ProgressEvent } from '../../contracts/progress.ts';
import type {
  BootedReport,
  MachineFacts,
  MachinePhase,
  MachineState,
} from '../../contracts/fleet.ts';

export const LOG_LINES = 200;

const enter = (m: MachineState, phase: MachinePhase, now: number): MachineState => ({
  ...m,
  phase,
  updated: now,
  times: m.times[phase] === undefined ? { ...m.times, [phase]: now } : m.times,
});

export function newMachine(facts: MachineFacts, now: number): MachineState {
  return {
    mac: facts.mac,
    phase: 'discovered',
    facts,
    events: 0,
    times: { discovered: now },
    updated: now,
  };
}

/** Facts learnt later add to (never erase) the ones known. */
export function mergeFacts(a: MachineFacts, b: Partial<MachineFacts>): MachineFacts {
  const out: MachineFacts = { ...a };
  for (const [k, v] of Object.entries(b) as [keyof MachineFacts, unknown][])
    if (v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0))
      (out as Record<string, unknown>)[k] = v;
  out.macs = [...new Set([a.mac, ...a.macs, ...(b.macs ?? [])])];
  return out;
}

/** iPXE asked for the machine's script: a new install starts (earlier progress is cleared). */
export function onBoot(m: MachineState, now: number, answer?: string): MachineState {
  const { step: _s, ratio: _r, text: _t, reason: _w, log: _l, seconds: _x, ...rest } = m;
  const next: MachineState = {
    ...rest,
    events: 0,
    times: { ...(m.times.discovered ? { discovered: m.times.discovered } : {}) },
  };
  if (answer !== undefined) next.answer = answer;
  return enter(next, 'booting', now);
}

export function onAnswer(
  m: MachineState,
  now: number,
  served: { answer: string; hostname?: string; ip?: string } | { refused: string },
): MachineState {
  if ('refused' in served) return { ...enter(m, 'discovered', now), reason: served.refused };
  const { reason: _r, ...rest } = m;
  const next: MachineState = { ...rest, answer: served.answer };
  if (served.hostname !== undefined) next.hostname = served.hostname;
  if (served.ip !== undefined) next.ip = served.ip;
  return enter(next, 'installer', now);
}

const appendLog = (log: string[] | undefined, lines: string[]) =>
  [...(log ?? []), ...lines].slice(-LOG_LINES);

export function onProgress(
  m: MachineState,
  events: readonly ProgressEvent[],
  now: number,
): MachineState {
  let s: MachineState = { ...m, events: m.events + events.length, updated: now };
  for (const e of events) {
    switch (e.type) {
      case 'progress':
        if (s.phase !== 'installing') s = enter(s, 'installing', now);
        s = { ...s, step: e.step, ratio: e.ratio, text: e.text };
        break;
      case 'message':
      case 'warning':
      case 'error':
        s = { ...s, log: appendLog(s.log, [`${e.type}: ${e.step ? `${e.step}: ` : ''}${e.text}`]) };
        if (e.type === 'error') s = { ...s, reason: e.text };
        break;
      case 'finished':
        s = { ...enter(s, e.ok ? 'finished' : 'failed', now), seconds: e.seconds };
        if (e.ok) s = { ...s, ratio: 1 };
        break;
    }
  }
  return s;
}

/** The installed node's first boot reported in (after `finished`; a node installed before the
 * server's state was kept may report too). */
export function onBooted(m: MachineState, report: BootedReport, now: number): MachineState {
  const addresses = (report.network_interfaces ?? [])
    .flatMap((n) => n.addresses)
    .filter((a) => !a.startsWith('fe80:'))
    .slice(0, 16);
  const booted: NonNullable<MachineState['booted']> = { addresses };
  if (report.fqdn !== undefined) booted.fqdn = report.fqdn;
  if (report.kernel_version) booted.kernel = report.kernel_version.release;
  return { ...enter(m, 'booted', now), booted };
}

/** The installer's log after a failure (or the live system's, when it could not install). */
export function onLog(m: MachineState, text: string, now: number): MachineState {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const s = { ...m, log: appendLog(m.log, lines), updated: now };
  return s.phase === 'finished' ? s : enter(s, 'failed', now);
}
