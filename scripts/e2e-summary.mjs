// Markdown table of end-to-end results: `node scripts/e2e-summary.mjs [DIR...]`
// (default test-results/e2e test-results/e2e-matrix): one row per <case>/result.json with the
// phase times, install / extraction ratios and the checks that passed.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const dirs =
  process.argv.slice(2).length > 0
    ? process.argv.slice(2)
    : ['test-results/e2e', 'test-results/e2e-matrix'];
const rows = [];
for (const dir of dirs) {
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name, 'result.json');
    if (!existsSync(file)) continue;
    const r = JSON.parse(readFileSync(file, 'utf8'));
    const s = r.seconds;
    const x = r.installSteps?.['extract:payload'];
    const ratio = (a, b) => (a && b ? (a / b).toFixed(2) : '–');
    const ok = r.checks.filter((c) => c.ok).length;
    rows.push([
      r.case.name,
      r.installOk ? 'yes' : `NO: ${r.installError ?? ''}`,
      s.bootToInstaller ?? '–',
      s.install ?? '–',
      s.extractOnly ?? '–',
      ratio(s.install, s.extractOnly),
      x ?? '–',
      ratio(s.install, x),
      r.installSteps?.startup ?? '–',
      s.nodeBoot ?? '–',
      s.totalToNode ?? '–',
      `${ok}/${r.checks.length}`,
    ]);
  }
}
const head = [
  'case',
  'installed',
  'boot to installer',
  'install',
  'extract alone',
  'install/alone',
  'extract step',
  'install/step',
  'start-up',
  'node to SSH',
  'total',
  'checks ok',
];
console.log(`| ${head.join(' | ')} |`);
console.log(`|${head.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
