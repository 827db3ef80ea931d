// Reads vitest's JSON report (plus extra check results) and prints the plain closing line
// `N passed, N failed, N skipped`. Exit status: 1 when anything failed.
import { readFileSync, existsSync } from 'node:fs';

const [report, ...checks] = process.argv.slice(2);
let passed = 0, failed = 0, skipped = 0;
if (report && existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  // A test file that failed to load has no tests but must count as a failure.
  for (const file of r.testResults ?? []) {
    if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) {
      failed += 1;
      console.log(`FAILED to run: ${file.name}: ${(file.message ?? '').split('\n')[0]}`);
    }
  }
} else {
  console.log(`no test report at ${report}`);
  failed += 1;
}
// Extra checks given as name=status (0 = ok), e.g. typecheck=0 lint=1 format=0
for (const c of checks) {
  const [name, status] = c.split('=');
  if (status === '0') passed += 1;
  else { failed += 1; console.log(`FAILED check: ${name}`); }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
