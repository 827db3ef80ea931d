// Pure: the machines as a table (`serve --status`) and as the status web page.
import type { FleetState, MachineState } from '../../contracts/fleet.ts';

const pct = (m: MachineState) => (m.ratio === undefined ? '' : `${Math.round(m.ratio * 100)}%`);

const since = (m: MachineState, now: number) => {
  const first = m.times.booting ?? m.times.discovered ?? m.updated;
  return `${Math.round((now - first) / 1000)}s`;
};

export function describe(m: MachineState): string {
  switch (m.phase) {
    case 'installing':
      return `${m.step ?? ''} ${pct(m)} ${m.text ?? ''}`.trim();
    case 'finished':
      return `installed${m.seconds !== undefined ? ` in ${Math.round(m.seconds)} s` : ''}${m.reason ? `; ${m.reason}` : ''}`;
    case 'failed':
      return m.reason ?? m.log?.at(-1) ?? 'failed';
    case 'booted':
      return `installed${m.seconds !== undefined ? ` in ${Math.round(m.seconds)} s` : ''}, first boot reported${m.booted?.fqdn ? ` as ${m.booted.fqdn}` : ''}${m.booted?.addresses.length ? ` (${m.booted.addresses.join(' ')})` : ''}`;
    default:
      return m.reason ?? (m.answer ? `answer ${m.answer}` : '');
  }
}

/** Seconds between phases, the install's figures: booting -> installer -> installing -> finished -> booted. */
export function phaseSeconds(m: MachineState): Record<string, number> {
  const order = ['booting', 'installer', 'installing', 'finished', 'failed', 'booted'] as const;
  const out: Record<string, number> = {};
  let prev: number | undefined;
  let prevName: string | undefined;
  for (const p of order) {
    const t = m.times[p];
    if (t === undefined) continue;
    if (prev !== undefined && prevName !== undefined)
      out[`${prevName}->${p}`] = Math.round((t - prev) / 100) / 10;
    prev = t;
    prevName = p;
  }
  return out;
}

export function statusTable(state: FleetState, now: number): string {
  const rows = [['MAC', 'PHASE', 'HOST', 'IP', 'ANSWER', 'SINCE', 'DETAIL']];
  for (const m of state.machines)
    rows.push([
      m.mac,
      m.phase,
      m.hostname ?? '-',
      m.ip ?? '-',
      m.answer ?? '-',
      since(m, now),
      describe(m),
    ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  const head = `openve-install serve: pid ${state.server.pid}, boot ${state.server.http}, answers ${state.server.https} (fingerprint ${state.server.fingerprint})`;
  return [head, ...lines, ''].join('\n');
}

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

export function statusPage(state: FleetState, now: number): string {
  const rows = state.machines
    .map((m) => {
      const facts = [
        m.facts.serial,
        m.facts.product,
        m.facts.cpuModel,
        m.facts.memoryBytes ? `${Math.round(m.facts.memoryBytes / 2 ** 30)} GiB` : '',
        ...(m.facts.disks ?? []).map((d) => `${d.name} ${Math.round(d.sizeBytes / 1e9)} GB`),
      ]
        .filter(Boolean)
        .join(', ');
      const bar =
        m.ratio !== undefined ? `<progress max="1" value="${m.ratio}"></progress> ${pct(m)}` : '';
      const log =
        m.phase === 'failed' && m.log?.length
          ? `<details><summary>log</summary><pre>${esc(m.log.join('\n'))}</pre></details>`
          : '';
      const figures = Object.entries(phaseSeconds(m))
        .map(([k, v]) => `${k} ${v}s`)
        .join(', ');
      return `<tr class="${m.phase}"><td>${esc(m.mac)}</td><td>${m.phase}</td><td>${esc(m.hostname ?? '')}</td><td>${esc(m.ip ?? '')}</td><td>${esc(m.answer ?? '')}</td><td>${bar} ${esc(describe(m))}${log}</td><td>${esc(facts)}</td><td>${esc(figures)} (${since(m, now)})</td></tr>`;
    })
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="2"><title>openve fleet</title>
<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
.finished,.booted{background:#e6ffe6}.failed{background:#ffe6e6}.installing{background:#fffbe6}.discovered{color:#666}</style></head>
<body><h1>openve fleet</h1><p>Boot ${esc(state.server.http)} &middot; answers ${esc(state.server.https)} &middot; certificate ${esc(state.server.fingerprint)}</p>
<table><tr><th>MAC</th><th>phase</th><th>host</th><th>IP</th><th>answer</th><th>progress</th><th>facts</th><th>figures</th></tr>
${rows}
</table></body></html>
`;
}
