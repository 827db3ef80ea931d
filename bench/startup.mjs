#!/usr/bin/env node
// Budget (issue 11): start-up does not regress. `validate examples/answer.toml` and the text UI's
// first frame (80x24 pty, dry run on a fixture) of this tree against a baseline commit, in the same
// run: the baseline is extracted with `git archive` into a temp dir beside this tree's
// node_modules, both are built the same way, and the runs alternate (base, head, head, base, ...)
// so machine load falls on both. Wall time from spawning; CPU (user+sys) by /usr/bin/time for
// validate and by the UI's own OPENVE_UI_TIMING hook for the first frame (the steadier figure on
// a loaded machine). Budget: head within 5% of base (median CPU and median wall).
// usage: node bench/startup.mjs [--base REV] [--runs N] [--out FILE]   (default 5d180b0, 11 runs)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const opt = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const baseRev = opt('--base', '5d180b0');
const runs = Number(opt('--runs', 11));
const out = opt('--out', path.join(root, 'bench/results/startup.json'));
const BUDGET_RATIO = 1.05;
const ANSWER = 'examples/answer.toml';
const FIXTURE = 'test/fixtures/hardware/single-sata.json';
const TIME = '/usr/bin/time';
if (!existsSync(TIME) || spawnSync('script', ['--version']).status !== 0) {
  console.error('bench/startup: needs /usr/bin/time and util-linux `script`');
  process.exit(2);
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'openve-bench-startup-'));
const baseDir = path.join(tmp, 'base');
mkdirSync(baseDir);
const baseCommit = execFileSync('git', ['rev-parse', baseRev], {
  cwd: root,
  encoding: 'utf8',
}).trim();
const headCommit = execFileSync('git', ['rev-parse', 'HEAD'], {
  cwd: root,
  encoding: 'utf8',
}).trim();
execFileSync('sh', ['-c', 'git archive "$1" | tar -x -C "$2"', 'sh', baseCommit, baseDir], {
  cwd: root,
});
symlinkSync(path.join(root, 'node_modules'), path.join(baseDir, 'node_modules'));

/** the two trees, each with its dev dist/ (through bin/, as a user runs it) and its standalone bundle */
const trees = { base: baseDir, head: root };
const standalone = {};
for (const [name, dir] of Object.entries(trees)) {
  const { bundle } = await import(pathToFileURL(path.join(dir, 'scripts/bundle.mjs')).href);
  const outdir = path.join(tmp, `bundle-${name}`);
  await bundle({ standalone: true, outdir });
  const runner = path.join(outdir, 'run.mjs');
  writeFileSync(
    runner,
    `const m = await import(${JSON.stringify(path.join(outdir, 'standalone/cli.js'))}); process.exitCode = await m.main(process.argv.slice(2));\n`,
  );
  standalone[name] = runner;
  // builds dist/ when its sources are newer, fills the page cache
  spawnSync(process.execPath, ['bin/openve-install.js', 'validate', ANSWER], { cwd: dir });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r1 = (x) => Math.round(x * 10) / 10;
const r3 = (x) => Math.round(x * 1000) / 1000;

/** validate in `dir`: { wall, cpu } in ms */
function validate(dir) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    TIME,
    ['-f', 'cpu %U %S', process.execPath, 'bin/openve-install.js', 'validate', ANSWER],
    {
      cwd: dir,
      encoding: 'utf8',
    },
  );
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`validate in ${dir} exited ${r.status}: ${r.stderr}`);
  const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  return { wall, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN };
}

const strip = (s) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
/** the UI in `dir` on a fresh 80x24 pty until its welcome text: { wall, cpu } in ms */
function firstFrame(dir, command) {
  const timingFile = path.join(tmp, 'timing.jsonl');
  writeFileSync(timingFile, '');
  const env = {
    ...process.env,
    TERM: 'linux',
    OPENVE_DRY_RUN_PACE_MS: '0',
    OPENVE_UI_TIMING: timingFile,
  };
  const t0 = process.hrtime.bigint();
  const child = spawn('script', ['-qfec', `stty cols 80 rows 24; exec ${command}`, '/dev/null'], {
    cwd: dir,
    env,
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    let done = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no first frame in ${dir}: ${buf.slice(-300)}`));
    }, 60_000);
    child.stdout.on('data', (d) => {
      buf += strip(d.toString('utf8'));
      if (done || !buf.includes('Welcome to openve')) return;
      done = true;
      const wall = Number(process.hrtime.bigint() - t0) / 1e6;
      clearTimeout(timer);
      child.kill('SIGKILL');
      child.once('exit', () => {
        const ff = readFileSync(timingFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
          .find((e) => e.kind === 'first-frame');
        resolve({ wall, cpu: ff ? ff.cpuMs : NaN });
      });
    });
  });
}

const ARGS = `--dry-run --hardware ${FIXTURE}`;
const measures = {
  validate: (name) => validate(trees[name]),
  uiStandalone: (name) => firstFrame(trees[name], `node ${standalone[name]} ${ARGS}`),
  uiDev: (name) => firstFrame(trees[name], `node bin/openve-install.js ${ARGS}`),
};
const load = [os.loadavg()[0]];
const samples = {};
for (const what of Object.keys(measures)) {
  samples[what] = { base: [], head: [] };
  await measures[what]('base'); // warm-up
  await measures[what]('head');
  for (let i = 0; i < runs; i++) {
    for (const name of i % 2 ? ['head', 'base'] : ['base', 'head'])
      samples[what][name].push(await measures[what](name));
  }
  load.push(os.loadavg()[0]);
}
rmSync(tmp, { recursive: true, force: true });

const result = {
  bench: 'startup',
  base: baseCommit,
  head: headCommit,
  runs,
  node: process.version,
  loadAverage1m: { min: r1(Math.min(...load)), max: r1(Math.max(...load)) },
  budgetRatio: BUDGET_RATIO,
};
for (const [what, s] of Object.entries(samples)) {
  const m = (name, k) => median(s[name].map((x) => x[k]));
  result[what] = {
    base: { wallMs: r1(m('base', 'wall')), cpuMs: r1(m('base', 'cpu')) },
    head: { wallMs: r1(m('head', 'wall')), cpuMs: r1(m('head', 'cpu')) },
    ratio: {
      wall: r3(m('head', 'wall') / m('base', 'wall')),
      cpu: r3(m('head', 'cpu') / m('base', 'cpu')),
    },
  };
  result[what].withinBudget =
    result[what].ratio.cpu <= BUDGET_RATIO && result[what].ratio.wall <= BUDGET_RATIO;
}
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
