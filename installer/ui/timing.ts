// Measurement hook for bench/ui.mjs, active only with OPENVE_UI_TIMING=FILE: appends one JSON line
// for the first frame (wall time and CPU time since process start) and one per key (from the
// stdin read to the terminal write of the redraw, wall and CPU). Nothing else reads it.
import { appendFileSync } from 'node:fs';

export function installTiming(file: string | undefined): void {
  if (!file) return;
  const out = process.stdout;
  const write = out.write.bind(out) as typeof out.write;
  let first = true;
  let pending: { t: bigint; cpu: NodeJS.CpuUsage } | null = null;
  const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
  process.stdin.prependListener('data', () => {
    pending ??= { t: process.hrtime.bigint(), cpu: process.cpuUsage() };
  });
  out.write = ((chunk: unknown, ...rest: unknown[]) => {
    const ok = (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    if (first && String(chunk).includes('Welcome to openve')) {
      first = false;
      appendFileSync(
        file,
        JSON.stringify({
          kind: 'first-frame',
          wallMs: process.uptime() * 1000,
          cpuMs: cpuMs(process.cpuUsage()),
        }) + '\n',
      );
    } else if (pending) {
      const p = pending;
      pending = null;
      appendFileSync(
        file,
        JSON.stringify({
          kind: 'key',
          wallMs: Number(process.hrtime.bigint() - p.t) / 1e6,
          cpuMs: cpuMs(process.cpuUsage(p.cpu)),
        }) + '\n',
      );
    }
    return ok;
  }) as typeof out.write;
}
