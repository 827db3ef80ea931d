// Numbers the way an administrator reads them.
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 || u === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

export function mib(n: number): string {
  return n >= 1024 ? `${(n / 1024).toFixed(n % 1024 ? 1 : 0)} GiB` : `${n} MiB`;
}

export function duration(s: number): string {
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : `${m}m`;
}

export function time(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** colour of a guest state (Mantine palette names) */
export function stateColor(state: string): string {
  if (state === 'running') return 'green';
  if (state === 'shut off' || state === 'stopped') return 'gray';
  if (state === 'missing') return 'red';
  return 'yellow';
}

/** a task in words: `VM start 700` */
export function taskLabel(t: { type: string; target: string | null }): string {
  const names: Record<string, string> = {
    vmcreate: 'VM create',
    vmstart: 'VM start',
    vmstop: 'VM stop',
    vmshutdown: 'VM shutdown',
    vmreboot: 'VM reboot',
    vmdestroy: 'VM delete',
    vmconfig: 'VM config',
    vzcreate: 'CT create',
    vzstart: 'CT start',
    vzstop: 'CT stop',
    vzshutdown: 'CT shutdown',
    vzdestroy: 'CT delete',
  };
  const what = names[t.type] ?? t.type;
  return t.target ? `${what} ${t.target.replace(/^(vm|ct)\//, '')}` : what;
}
