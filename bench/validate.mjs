#!/usr/bin/env node
// Budget: `openve-install validate examples/answer.toml` under 150 ms wall time from process start.
// Median of N runs of the real CLI (bin/, which runs dist/), next to `node -e 0` measured the same
// way in the same script, so a loaded machine shows up in both numbers. CPU time (user+sys, via
// /usr/bin/time when present) is reported too: on a busy machine it is the steadier figure.
// JSON on stdout.
// usage: node bench/validate.mjs [runs=15] [answer=examples/answer.toml]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 15);
const answer = process.argv[3] ?? 'examples/answer.toml';
const BUDGET_MS = 150;

const TIME = '/usr/bin/time';
const haveTime = existsSync(TIME);

/** { wall, cpu } in ms; wall includes the /usr/bin/time wrapper's few hundred microseconds. */
function time(args) {
  const [cmd, argv] = haveTime
    ? [TIME, ['-f', 'cpu %U %S', process.execPath, ...args]]
    : [process.execPath, args];
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { cwd: root, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  return { wall, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x) => Math.round(x * 10) / 10;

const cli = ['bin/openve-install.js', 'validate', answer];
time(cli); // warm-up: builds dist/ if sources changed, fills the page cache
const validate = [];
const baseline = [];
for (let i = 0; i < runs; i++) {
  // interleaved, so both see the same machine load
  baseline.push(time(['-e', '0']));
  validate.push(time(cli));
}
const m = median(validate.map((t) => t.wall));
const b = median(baseline.map((t) => t.wall));
const result = {
  bench: 'validate',
  command: `node ${cli.join(' ')}`,
  runs,
  medianMs: round(m),
  minMs: round(Math.min(...validate.map((t) => t.wall))),
  nodeBaselineMedianMs: round(b),
  overMedianBaselineMs: round(m - b),
  cpuMedianMs: round(median(validate.map((t) => t.cpu))),
  nodeBaselineCpuMedianMs: round(median(baseline.map((t) => t.cpu))),
  loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
  budgetMs: BUDGET_MS,
  withinBudget: m < BUDGET_MS,
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
