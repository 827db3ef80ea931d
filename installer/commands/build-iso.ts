// `openve-install build-iso --out FILE [--answer A] [--on-first-boot SCRIPT] [--kernel-arg K]...
//  [--cache-dir DIR] [--for-tests]`: builds the live installer ISO (iso/ holds the recipe). Slow stages (the
// debootstrap trees) are cached under /var/cache/openve keyed by their inputs; openve's own code
// is layered on late, so a rebuild after an installer change takes seconds.
import { mkdirSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../../lib/errors.ts';
import { ANSWER_FILE, assertFileArgs, readTextArg } from './inputs.ts';
import { createRunner, CommandError } from '../../lib/exec/index.ts';
import { parseCommandArgs } from '../../lib/args.ts';
import {
  assemble,
  DEFAULT_CACHE_DIR,
  isMeasurementArg,
  liveBase,
  progressView,
  REPO_ROOT,
  targetBase,
  templateBase,
  type StageContext,
} from '../../iso/index.ts';

// scripts/bundle.mjs's bundle({ standalone, outdir }), with both paths passed as arguments.
const BUNDLE_SCRIPT =
  'const [u, o] = process.argv.slice(1); await (await import(u)).bundle({ standalone: true, outdir: o });';

export async function run(args: string[]): Promise<number> {
  try {
    return await build(args);
  } catch (err) {
    // A failed build step: say which command and show the end of its output (the full log is next to the ISO).
    if (err instanceof CommandError)
      throw new Error(`${err.message}\n${err.tail(20)}`, { cause: err });
    throw err;
  }
}

async function build(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('build-iso', args, {
    out: { type: 'string' },
    answer: { type: 'string' },
    'on-first-boot': { type: 'string' },
    'kernel-arg': { type: 'string', multiple: true },
    'cache-dir': { type: 'string' },
    'for-tests': { type: 'boolean' },
  });
  // every problem at once, each named file checked without reading it whole (a FIFO or /dev/zero
  // is refused, never read); --out: a regular file or none (never a directory or a device), its
  // missing directories are created below (dist/), under a writable one
  assertFileArgs(
    [
      { flag: '--answer', file: values.answer, kind: 'text', expected: ANSWER_FILE },
      { flag: '--on-first-boot', file: values['on-first-boot'], kind: 'file' },
      { flag: '--out', file: values.out, kind: 'output-mkdir' },
    ],
    values.out
      ? []
      : [{ path: '--out', message: 'required: where to write the ISO, e.g. dist/openve.iso' }],
  );
  if (!values.out) return 1; // unreachable: assertFileArgs threw
  const measuring = (values['kernel-arg'] ?? []).filter(isMeasurementArg);
  if (measuring.length > 0 && !values['for-tests']) {
    throw new UserError({
      path: '--kernel-arg',
      message: `${measuring.join(', ')}: a measurement flag (it formats a disk before the answer is read) only goes into a test ISO: add --for-tests, and never hand that ISO to anyone`,
    });
  }
  if (values.answer) await checkAnswer(values.answer);
  if (process.getuid?.() !== 0) {
    throw new UserError({
      path: 'build-iso',
      message: 'must run as root (debootstrap, chroot, mounts)',
    });
  }

  const out = path.resolve(values.out);
  const cacheDir = path.resolve(
    values['cache-dir'] ?? process.env.OPENVE_CACHE_DIR ?? DEFAULT_CACHE_DIR,
  );
  const logFile = `${out}.build.log`;
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(logFile, '');
  const started = performance.now();
  // Progress per stage: a redrawn status line on a terminal, plain throttled lines in logs.
  const view = progressView({
    tty: process.stderr.isTTY === true,
    columns: process.stderr.columns,
    write: (text) => process.stderr.write(text),
    file: (line) => appendFileSync(logFile, `${line}\n`),
    stamp: () => `[${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] `,
  });
  const say = (line: string) => view.say(line);
  const runner = createRunner('real', { log: (line) => appendFileSync(logFile, `${line}\n`) });
  const ctx: StageContext = { runner, cacheDir, log: say, progress: (p) => view.update(p) };
  const phases: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const r = await f();
    phases[name] = Math.round((performance.now() - t0) / 100) / 10;
    say(`${name}: ${phases[name]}s`);
    return r;
  };

  say(`building ${out} (cache ${cacheDir}, log ${logFile})`);
  // Bundles go to a directory of this build (dist/ is shared with the dev launcher and tests).
  const bundleDir = `${out}.bundle`;
  await timed('bundle', () =>
    runner.run(
      [
        process.execPath,
        '--input-type=module',
        '-e',
        BUNDLE_SCRIPT,
        pathToFileURL(path.join(REPO_ROOT, 'scripts/bundle.mjs')).href,
        bundleDir,
      ],
      { cwd: REPO_ROOT },
    ),
  );
  // The debootstrap stages are independent: overlap them (downloads vs. unpacking).
  const [target, live, template] = await Promise.all([
    timed('target-base', () => targetBase(ctx)),
    timed('live-base', () => liveBase(ctx)),
    timed('template', () => templateBase(ctx)),
  ]).finally(() => view.close());
  const result = await timed('assemble', () =>
    assemble({
      runner,
      workDir: `${out}.work`,
      targetBaseDir: target.dir,
      liveBaseDir: live.dir,
      templateLayer: path.join(template.dir, 'template-layer.tar.zst'),
      bundles: { dir: path.join(bundleDir, 'standalone') },
      answerFile: values.answer,
      firstBootHook: values['on-first-boot'],
      kernelArgs: values['kernel-arg'] ?? [],
      out,
    }),
  );
  await runner.run(['rm', '-rf', `${out}.work`, bundleDir]);
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  const summary = {
    iso: out,
    bytes: result.isoBytes,
    mib: Math.round(result.isoBytes / 1048576),
    seconds,
    phases,
    cache: {
      target: { key: target.key, hit: target.hit },
      live: { key: live.key, hit: live.hit },
      template: { key: template.key, hit: template.hit },
    },
    payloadBytes: statSync(path.join(target.dir, 'payload-base.tar.zst')).size,
    liveSquashfsBytes: statSync(path.join(live.dir, 'filesystem.squashfs')).size,
    templateBytes: statSync(path.join(template.dir, 'template-layer.tar.zst')).size,
    payloadLayer: result.payloadLayer,
    answer: values.answer ? path.resolve(values.answer) : null,
  };
  writeFileSync(`${out}.json`, JSON.stringify(summary, null, 2) + '\n');
  say(
    `done: ${out} ${summary.mib} MiB in ${seconds}s (target ${target.hit ? 'cached' : 'built'}, live ${live.hit ? 'cached' : 'built'}, template ${template.hit ? 'cached' : 'built'})`,
  );
  process.stdout.write(`${out}\n`);
  return 0;
}

/** An answer embedded in the ISO must be valid now, not when a machine boots it. */
async function checkAnswer(file: string): Promise<void> {
  const { parseAnswers } = await import('../answers/parse.ts');
  const parsed = parseAnswers(readTextArg('--answer', file));
  // While the parser is still a stub it rejects everything; do not block ISO builds on that.
  if (!parsed.ok && parsed.issues.some((i) => /not implemented/.test(i.message))) return;
  if (!parsed.ok)
    throw new UserError(parsed.issues.map((i) => ({ ...i, path: `${file}: ${i.path}` })));
}
