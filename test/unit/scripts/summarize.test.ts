import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error: a plain .mjs script without type declarations
import { parseArgs, summarize } from '../../../scripts/summarize.mjs';

type Summary = { passed: number; failed: number; skipped: number; lines: string[] };
const sum = summarize as (report: unknown, opts?: object) => Summary;

const file = (name: string, status: string, tests: number) => ({
  name,
  status,
  message: status === 'failed' && tests === 0 ? 'Error: cannot load\nstack' : '',
  assertionResults: Array.from({ length: tests }, () => ({ status })),
});
// The shape of the run in issue 10: unit and integration ran, then `Timeout calling "onTaskUpdate"`
// ended vitest before the e2e project started: 772 passed, 3 failed, e2e absent.
const report = {
  numPassedTests: 772,
  numFailedTests: 3,
  numPendingTests: 1,
  numTodoTests: 0,
  testResults: [
    file('/r/test/unit/a.test.ts', 'passed', 770),
    file('/r/test/integration/install.test.ts', 'failed', 5),
  ],
};
const expected = [
  { file: '/r/test/unit/a.test.ts', projectName: 'unit' },
  { file: '/r/test/integration/install.test.ts', projectName: 'integration' },
  { file: '/r/test/e2e/install.test.ts', projectName: 'e2e' },
  { file: '/r/test/e2e/interactive.test.ts', projectName: 'e2e' },
];

describe('summarize', () => {
  it('counts every expected file absent from the report as a failure, by name', () => {
    const s = sum(report, { expected, vitestExit: 1 });
    expect(s.failed).toBe(3 + 2);
    expect(s.lines).toContain(
      'NOT RUN: /r/test/e2e/install.test.ts (project e2e): absent from the report (runner error?)',
    );
    expect(s.lines.at(-1)).toBe('772 passed, 5 failed, 1 skipped');
  });
  it('fails a non-zero vitest exit that reported no failed test', () => {
    const clean = {
      ...report,
      numFailedTests: 0,
      testResults: [file('/r/test/unit/a.test.ts', 'passed', 770)],
    };
    const s = sum(clean, { expected: expected.slice(0, 1), vitestExit: 1 });
    expect(s.failed).toBe(1);
    expect(s.lines[0]).toMatch(/^FAILED: vitest exited with 1 but reported no failed test/);
    expect(sum(clean, { expected: expected.slice(0, 1), vitestExit: 0 }).failed).toBe(0);
  });
  it('counts a file that failed to load, a missing report and failed checks', () => {
    const s = sum(
      { testResults: [file('/r/x.test.ts', 'failed', 0)] },
      { checks: ['typecheck=0', 'lint=2'] },
    );
    expect(s.lines).toEqual([
      'FAILED to run: /r/x.test.ts: Error: cannot load',
      'FAILED check: lint',
      '1 passed, 2 failed, 0 skipped',
    ]);
    expect(sum(undefined).failed).toBe(1);
  });
  it('parses its command line', () => {
    expect(
      parseArgs(['r.json', '--expect', 'e.json', '--vitest-exit', '1', 'typecheck=0']),
    ).toEqual({
      report: 'r.json',
      expect: 'e.json',
      vitestExit: 1,
      checks: ['typecheck=0'],
    });
  });
  it('as a script: prints the lines and exits 1 on a skipped project', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openve-summarize-'));
    try {
      writeFileSync(
        path.join(dir, 'r.json'),
        JSON.stringify({
          ...report,
          numFailedTests: 0,
          testResults: [file('/r/test/unit/a.test.ts', 'passed', 770)],
        }),
      );
      writeFileSync(
        path.join(dir, 'e.json'),
        JSON.stringify(expected.slice(0, 1).concat(expected.slice(2, 3))),
      );
      const script = path.resolve(import.meta.dirname, '../../../scripts/summarize.mjs');
      let out = '';
      let code = 0;
      try {
        execFileSync(
          process.execPath,
          [
            script,
            path.join(dir, 'r.json'),
            '--expect',
            path.join(dir, 'e.json'),
            '--vitest-exit',
            '1',
            'lint=0',
          ],
          { encoding: 'utf8' },
        );
      } catch (err) {
        const e = err as { status: number; stdout: string };
        code = e.status;
        out = e.stdout;
      }
      expect(code).toBe(1);
      expect(out.trim().split('\n')).toEqual([
        'NOT RUN: /r/test/e2e/install.test.ts (project e2e): absent from the report (runner error?)',
        '773 passed, 1 failed, 1 skipped',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
