// Printing and asserting a scenario result: one line per phase time and per check.
import type { ExpectStatic } from 'vitest';
import type { ScenarioResult } from './scenario.ts';

export function formatScenario(r: ScenarioResult): string {
  const s = r.seconds;
  const ratio =
    s.install !== null && s.extractOnly ? (s.install / s.extractOnly).toFixed(2) : 'n/a';
  const lines = [
    `== ${r.case.name}: ISO ${Math.round(r.isoBytes / 1048576)} MiB, build ${s.isoBuild}s`,
    `   boot to installer ${s.bootToInstaller ?? '?'}s | install ${s.install ?? '?'}s | payload extraction alone on the same layout ${s.extractOnly ?? '?'}s (install/extract ${ratio})`,
    `   install VM ${s.installBoot}s | node boot to SSH ${s.nodeBoot ?? '?'}s | total to booted node ${s.totalToNode ?? '?'}s`,
    `   serial: ${r.serialInstall} ${r.serialNode}`,
  ];
  if (r.installSteps) {
    lines.push(
      `   install steps (s): ${Object.entries(r.installSteps)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    const x = r.installSteps['extract:payload'];
    if (x && s.install !== null)
      lines.push(
        `   install / its own extraction step (same run, same filesystem): ${(s.install / x).toFixed(2)}`,
      );
  }
  for (const again of r.retries ?? []) lines.push(`   booted again: ${again}`);
  if (r.installError) lines.push(`   install FAILED: ${r.installError}`);
  for (const c of r.checks)
    lines.push(
      `   ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.ok ? '' : `: ${c.detail.split('\n').slice(0, 40).join('\n        ')}`}`,
    );
  return lines.join('\n');
}

export function assertScenario(r: ScenarioResult, expect: ExpectStatic): void {
  expect(r.installError ?? 'installed').toBe('installed');
  expect(r.isoBytes).toBeLessThan(700 * 1024 * 1024);
  expect(r.checks.length).toBeGreaterThan(0);
  expect(r.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`)).toEqual([]);
}
