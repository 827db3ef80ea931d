// Reads vitest's JSON report (plus extra check results) and prints the plain closing line
// `N passed, N failed, N skipped`. Exit status: 1 when anything failed.
//
//   node scripts/summarize.mjs REPORT [name=status]... [--expect LIST.json] [--vitest-exit N]
//
// A runner error (e.g. `Timeout calling "onTaskUpdate"`) can end vitest before a whole project
// ran; its files are then simply absent from the report. So every file `vitest list --filesOnly
// --json` expected must appear in the report, and a non-zero vitest exit with no failed test is a
// failure of its own: neither may be counted as nothing.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Pure: the summary of one run.
 * @param {object|undefined} report vitest's JSON report (undefined: none was written)
 * @param {{ checks?: string[], expected?: {file: string, projectName?: string}[], vitestExit?: number }} opts
 * @returns {{ passed: number, failed: number, skipped: number, lines: string[] }}
 */
export function summarize(report, opts = {}) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const lines = [];
  if (report) {
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    // A test file that failed to load has no tests but must count as a failure.
    for (const file of report.testResults ?? []) {
      if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) {
        failed += 1;
        lines.push(`FAILED to run: ${file.name}: ${(file.message ?? '').split('\n')[0]}`);
      }
    }
    const reported = new Set((report.testResults ?? []).map((f) => path.resolve(f.name)));
    const missing = (opts.expected ?? []).filter((e) => !reported.has(path.resolve(e.file)));
    for (const e of missing) {
      failed += 1;
      lines.push(
        `NOT RUN: ${e.file}${e.projectName ? ` (project ${e.projectName})` : ''}: absent from the report (runner error?)`,
      );
    }
  } else {
    lines.push('no test report: vitest did not finish');
    failed += 1;
  }
  const vitestFailures = failed;
  if (opts.vitestExit !== undefined && opts.vitestExit !== 0 && vitestFailures === 0) {
    failed += 1;
    lines.push(
      `FAILED: vitest exited with ${opts.vitestExit} but reported no failed test (runner error; see its output above)`,
    );
  }
  // Extra checks given as name=status (0 = ok), e.g. typecheck=0 lint=1 format=0
  for (const c of opts.checks ?? []) {
    const [name, status] = c.split('=');
    if (status === '0') passed += 1;
    else {
      failed += 1;
      lines.push(`FAILED check: ${name}`);
    }
  }
  lines.push(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  return { passed, failed, skipped, lines };
}

/** Command-line arguments to the inputs of summarize(). */
export function parseArgs(argv) {
  const checks = [];
  let report;
  let expect;
  let vitestExit;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--expect') expect = argv[++i];
    else if (a === '--vitest-exit') vitestExit = Number(argv[++i]);
    else if (report === undefined && !a.includes('=')) report = a;
    else checks.push(a);
  }
  return { report, expect, vitestExit, checks };
}

function readJson(file) {
  if (!file || !existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = parseArgs(process.argv.slice(2));
  const report = readJson(args.report);
  let expected;
  const checks = [...args.checks];
  if (args.expect) {
    expected = readJson(args.expect);
    if (!Array.isArray(expected)) {
      console.log(`FAILED: no list of expected test files at ${args.expect}`);
      checks.push('expected-files=1');
      expected = undefined;
    }
  }
  const s = summarize(report, { checks, expected, vitestExit: args.vitestExit });
  for (const l of s.lines) console.log(l);
  process.exit(s.failed > 0 ? 1 : 0);
}
