#!/usr/bin/env node
// Budget check for the planner (issue 2): planning the 10-disk fixture in-process < 20 ms.
// Bundles installer/plan/buildPlan.ts and installer/core.ts with esbuild (no tsx needed), then
// times, in this process:
//   buildPlan     Answers (parsed once) + the ten-disks fixture -> Plan  (the budgeted figure)
//   fromText      planFromAnswerText: TOML parse + validation + buildPlan (for information)
// for a btrfs raid10 answer over the six 8 TB disks and an ext4 answer, after a warm-up.
// The first (cold) call is reported separately: it includes compiling the Handlebars templates.
// Usage: node bench/plan.mjs [--runs N] [--out FILE]   (default 200 runs, bench/results/plan.json)
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { opt, root } from './args.mjs';

const runs = Number(opt('--runs', '200'));
const out = opt('--out', path.join(root, 'bench/results/plan.json'));
const BUDGET_MS = 20;

mkdirSync(path.join(root, '.cache'), { recursive: true });
const tmp = mkdtempSync(path.join(root, '.cache', 'bench-plan-'));
const entry = path.join(tmp, 'entry.ts');
writeFileSync(
  entry,
  `export { buildPlan } from ${JSON.stringify(path.join(root, 'installer/plan/buildPlan.ts'))};\nexport { planFromAnswerText } from ${JSON.stringify(path.join(root, 'installer/core.ts'))};\n`,
);
await build({
  entryPoints: [entry],
  outfile: path.join(tmp, 'plan.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
});
const { buildPlan, planFromAnswerText } = await import(
  pathToFileURL(path.join(tmp, 'plan.mjs')).href
);
rmSync(tmp, { recursive: true, force: true });

const hardware = JSON.parse(
  readFileSync(path.join(root, 'test/fixtures/hardware/ten-disks.json'), 'utf8'),
);
const header = `[global]
keyboard = "en-us"
country = "at"
fqdn = "node1.example.com"
mailto = "admin@example.com"
timezone = "Europe/Vienna"
root-password = "passw0rd-fixture"

[network]
source = "from-answer"
cidr = "192.168.1.10/24"
gateway = "192.168.1.1"
dns = "192.168.1.1"
bond.mode = "802.3ad"
bond.filter.ID_NET_DRIVER = "ixgbe"

[network.interface-name-pinning]
enabled = true
`;
const answerTexts = {
  'btrfs-raid10-6-disks': `${header}\n[disk-setup]\nfilesystem = "btrfs"\nbtrfs.raid = "raid10"\nbtrfs.compress = "zstd"\nfilter.ID_MODEL = "ST8000*"\n`,
  'ext4-lvm-1-disk': `${header}\n[disk-setup]\nfilesystem = "ext4"\nfilter.ID_SERIAL_SHORT = "PHLJ912300A12P0BGN"\n`,
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x) => Math.round(x * 1000) / 1000;

function time(fn) {
  const t0 = performance.now();
  const r = fn();
  const ms = performance.now() - t0;
  if (!r.ok) throw new Error(`planning failed: ${JSON.stringify(r.issues)}`);
  return ms;
}

const results = {};
let coldMs = null;
for (const [name, text] of Object.entries(answerTexts)) {
  const parsed = planFromAnswerText(text, hardware);
  if (!parsed.ok) throw new Error(`${name}: ${JSON.stringify(parsed.issues)}`);
  const answers = parsed.value.answers;
  // the very first call compiles the Handlebars templates
  if (coldMs === null) coldMs = round(time(() => buildPlan(answers, hardware)));
  const plan = [];
  const fromText = [];
  for (let i = 0; i < 20; i++) time(() => buildPlan(answers, hardware)); // warm-up
  for (let i = 0; i < runs; i++) {
    plan.push(time(() => buildPlan(answers, hardware)));
    fromText.push(time(() => planFromAnswerText(text, hardware)));
  }
  results[name] = {
    buildPlanMedianMs: round(median(plan)),
    buildPlanMaxMs: round(Math.max(...plan)),
    fromTextMedianMs: round(median(fromText)),
    steps: buildPlan(answers, hardware).value.steps.length,
  };
}

const worst = Math.max(...Object.values(results).map((r) => r.buildPlanMedianMs));
const report = {
  bench: 'plan',
  fixture: 'test/fixtures/hardware/ten-disks.json',
  runs,
  node: process.version,
  results,
  coldFirstCallMs: coldMs,
  budgetMs: BUDGET_MS,
  medianMs: worst,
  withinBudget: worst < BUDGET_MS,
};
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
console.log(JSON.stringify(report, null, 2));
if (!report.withinBudget) process.exitCode = 1;
