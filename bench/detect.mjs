#!/usr/bin/env node
// Budget check for `openve-install detect --json` (issue 2): under 500 ms, and within 2x of
// `lsblk -J -O -b` + `ip -j link` run from this same script. Prints one JSON object.
// Usage: node bench/detect.mjs [--runs N] [--out FILE]
// Runs are interleaved (detect, baseline, node floor, ...) so a busy machine slows all alike;
// medians are reported. The "node floor" (a bare Node process running the same two commands)
// is reported too: Node's own start-up is far above lsblk + ip on this machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { opt, root } from './args.mjs';

const runs = Number(opt('--runs', '11'));
const out = opt('--out', null);
const env = { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` };

function time(fn) {
  const t = performance.now();
  fn();
  return performance.now() - t;
}
function run(file, argv) {
  const r = spawnSync(file, argv, {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`${file} ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x) => Math.round(x * 10) / 10;

const detect = () => run(process.execPath, ['bin/openve-install.js', 'detect', '--json']);
const baseline = () => {
  run('lsblk', ['-J', '-O', '-b']);
  run('ip', ['-j', 'link']);
};
const floorScript =
  "const {execFileSync:x}=require('node:child_process');x('lsblk',['-J','-O','-b']);x('ip',['-j','link'])";
const nodeFloor = () => run(process.execPath, ['-e', floorScript]);

// warm-up: builds dist/ if sources changed, fills the page cache; and checks the output parses
const profile = JSON.parse(detect().toString());
baseline();
nodeFloor();

const t = { detect: [], baseline: [], nodeFloor: [] };
for (let i = 0; i < runs; i++) {
  t.detect.push(time(detect));
  t.baseline.push(time(baseline));
  t.nodeFloor.push(time(nodeFloor));
}
const detectMs = median(t.detect);
const baselineMs = median(t.baseline);
const nodeFloorMs = median(t.nodeFloor);
let load = null;
try {
  load = execFileSync('cat', ['/proc/loadavg']).toString().split(' ').slice(0, 3).map(Number);
} catch {
  /* not Linux */
}
const result = {
  bench: 'detect',
  runs,
  detectMs: round(detectMs),
  baselineMs: round(baselineMs),
  ratio: round(detectMs / baselineMs),
  nodeFloorMs: round(nodeFloorMs),
  ratioVsNodeFloor: round(detectMs / nodeFloorMs),
  disks: profile.disks.length,
  nics: profile.nics.length,
  budgets: {
    under500ms: detectMs < 500,
    within2xOfBaseline: detectMs <= 2 * baselineMs,
    within2xOfNodeFloor: detectMs <= 2 * nodeFloorMs,
  },
  samples: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.map(round)])),
  loadavg: load,
};
const text = JSON.stringify(result, null, 2);
if (out) writeFileSync(out, text + '\n');
process.stdout.write(text + '\n');
