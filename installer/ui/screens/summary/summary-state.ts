// Summary: everything that will happen (pure lines from the plan and the values), scrolling, and
// the "Save answers" sub-form.
import { formatIssue } from '../../../../lib/errors.ts';
import { editText, textAt, type TextState } from '../../components/text-edit.ts';
import { countryName } from '../../data/countries.ts';
import { keyboards } from '../../data/keyboards.ts';
import { clip, formatBytes, formatMiB } from '../../format.ts';
import type { PlannedDisk } from '../../../../contracts/plan/types.ts';
import type { KeyPress } from '../../keys.ts';
import type { WizardState } from '../../wizard/state.ts';

export interface Line {
  text: string;
  tone?: 'warn' | 'error' | 'muted' | 'bold';
}

const W = 76;

function wrap(label: string, text: string, tone?: Line['tone']): Line[] {
  const out: Line[] = [];
  const indent = label ? 13 : 4;
  const pad = ' '.repeat(indent);
  let rest = text;
  let first = true;
  while (rest.length > 0 || first) {
    const room = W - (first && !label ? 0 : indent);
    let cut = rest.length <= room ? rest.length : rest.lastIndexOf(' ', room);
    if (cut <= 0) cut = Math.min(room, rest.length);
    out.push({
      text: `${first ? (label ? label.padEnd(13) : '') : pad}${rest.slice(0, cut)}`,
      tone,
    });
    rest = rest.slice(cut).trimStart();
    first = false;
  }
  return out;
}

/** '/dev/sda  465.8 GiB  Samsung SSD 870 EVO 500GB  serial S6PWNJ0T412345A' */
export const diskText = (d: PlannedDisk): string =>
  `${d.path}  ${formatBytes(d.sizeBytes)}  ${d.model || 'no model'}  serial ${d.serial || '-'}`;

export function summaryLines(s: WizardState): Line[] {
  const v = s.values;
  const plan = s.plan;
  const lines: Line[] = [];
  if (!plan) {
    lines.push({ text: 'The plan cannot be built:', tone: 'error' });
    for (const i of s.planIssues) lines.push(...wrap('', formatIssue(i), 'error'));
    return lines;
  }
  lines.push({ text: `Disks to ERASE (everything on them is lost):`, tone: 'warn' });
  for (const d of plan.summary.disks) lines.push(...wrap('', `  ${diskText(d)}`, 'warn'));
  const vols = plan.summary.volumes
    .map((x) => `${x.name} ${x.sizeMiB ? formatMiB(x.sizeMiB) : '(shared)'}`)
    .join(', ');
  lines.push(...wrap('Layout', `${plan.summary.layout}: ${vols}`));
  const kb = keyboards.find((k) => k.value === v.locale.keyboard)?.label ?? v.locale.keyboard;
  lines.push(
    ...wrap('Location', `${countryName(v.locale.country)}, ${v.locale.timezone}, keyboard ${kb}`),
  );
  const keys = v.ssh.keys.length;
  lines.push(
    ...wrap(
      'Root',
      `password set (hidden), e-mail ${v.password.mailto}, ${keys} SSH key${keys === 1 ? '' : 's'}`,
    ),
  );
  const net = plan.summary.network;
  const addr =
    net.source === 'from-answer' ? `${net.cidr}, gateway ${net.gateway}, DNS ${net.dns}` : 'DHCP';
  lines.push(
    ...wrap(
      'Network',
      `${plan.summary.fqdn ?? v.network.fqdn} on vmbr0 via ${plan.summary.nic.name} (${plan.summary.nic.mac}), ${addr}`,
    ),
  );
  lines.push(...wrap('Cluster', plan.summary.cluster ?? 'none (stand-alone)'));
  for (const w of plan.warnings) lines.push(...wrap('Warning', w, 'warn'));
  lines.push({ text: `What happens, in order (${plan.steps.length} steps):`, tone: 'bold' });
  plan.steps.forEach((st, i) =>
    lines.push({ text: clip(`  ${String(i + 1).padStart(2)}. ${st.title}`, W), tone: 'muted' }),
  );
  return lines;
}

export interface SummaryState {
  scroll: number;
  save: { path: TextState; status: { ok: boolean; text: string } | null; busy: boolean } | null;
}

export const initSummaryState = (): SummaryState => ({ scroll: 0, save: null });
export const DEFAULT_ANSWER_PATH = '/tmp/answer.toml';

export type SummaryResult =
  SummaryState | { kind: 'install' } | { kind: 'back' } | { kind: 'save'; path: string };

export function summaryKey(
  state: SummaryState,
  key: KeyPress,
  lineCount: number,
  rows: number,
): SummaryResult {
  const maxScroll = Math.max(0, lineCount - rows);
  const scroll = (d: number) => ({
    ...state,
    scroll: Math.max(0, Math.min(maxScroll, state.scroll + d)),
  });
  if (state.save) {
    if (state.save.busy) return state;
    if (key.kind === 'escape') return { ...state, save: null };
    if (key.kind === 'enter') {
      const path = state.save.path.value.trim();
      return path
        ? { kind: 'save', path }
        : { ...state, save: { ...state.save, status: { ok: false, text: 'enter a file path' } } };
    }
    const edited = editText(state.save.path, key, 4096);
    return edited ? { ...state, save: { ...state.save, path: edited, status: null } } : state;
  }
  switch (key.kind) {
    case 'enter':
      return { kind: 'install' };
    case 'escape':
      return { kind: 'back' };
    case 'up':
      return scroll(-1);
    case 'down':
      return scroll(1);
    case 'pageup':
      return scroll(-rows);
    case 'pagedown':
    case 'space':
      return scroll(rows);
    case 'text':
      if (key.text.toLowerCase() === 's')
        return { ...state, save: { path: textAt(DEFAULT_ANSWER_PATH), status: null, busy: false } };
      return state;
    default:
      return state;
  }
}
