// The slow, cached stages of the ISO build: the target payload base and the live system base.
// Each runs debootstrap, a setup script inside the chroot, then packs its artifact.
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { CommandRunner } from '../../lib/exec/index.ts';
import { pidAlive } from '../../lib/proc.ts';
import { cached, pruneStage } from './cache.ts';
import {
  debootstrapLine,
  enterStep,
  initialProgress,
  lineSplitter,
  type StageProgress,
  type StageStep,
} from './progress.ts';
import {
  ISO_DIR,
  LIVE,
  MIRROR,
  PAYLOAD_ZSTD_LEVEL,
  SUITE,
  TARGET,
  TEMPLATE,
  TEMPLATE_DIR,
  TEMPLATE_NAME,
  TEMPLATE_ZSTD_LEVEL,
  parsePackageList,
  readRecipeFiles,
  squashfsArgv,
  stageKey,
  type StageRecipe,
} from './recipe.ts';

export interface StageContext {
  runner: CommandRunner;
  cacheDir: string;
  log: (line: string) => void;
  /** called on every change of a stage's progress (packages fetched / total, current step) */
  progress?: (p: StageProgress) => void;
}

export interface StageResult {
  key: string;
  dir: string;
  hit: boolean;
  seconds: number;
}

/**
 * The runner's default timeout (15 min) is for install steps; a cold stage on a busy 2-core machine
 * took longer than that (debootstrap was killed while configuring). Bounded, but generously.
 */
export const STAGE_TIMEOUT_MS = 3 * 60 * 60_000;
const SLOW = { timeoutMs: STAGE_TIMEOUT_MS };

/** Target payload base: `payload-base.tar.zst`, a tar stream without end-of-archive blocks. */
export async function targetBase(ctx: StageContext): Promise<StageResult> {
  return stage(ctx, TARGET, PAYLOAD_ZSTD_LEVEL, async (tree, out) => {
    await ctx.runner.run(
      [
        path.join(ISO_DIR, 'scripts/pack-tar.sh'),
        tree,
        path.join(out, 'payload-base.tar.zst'),
        String(PAYLOAD_ZSTD_LEVEL),
        'noeof',
      ],
      SLOW,
    );
  });
}

/** Live system base: `filesystem.squashfs` (without /boot), `vmlinuz`, `initrd.img`. */
export async function liveBase(ctx: StageContext): Promise<StageResult> {
  return stage(ctx, LIVE, undefined, async (tree, out) => {
    const boot = path.join(tree, 'boot');
    const kernel = newest(boot, /^vmlinuz-/);
    const initrd = newest(boot, /^initrd\.img-/);
    copyFileSync(path.join(boot, kernel), path.join(out, 'vmlinuz'));
    copyFileSync(path.join(boot, initrd), path.join(out, 'initrd.img'));
    await ctx.runner.run(
      squashfsArgv(tree, path.join(out, 'filesystem.squashfs'), ['-wildcards', '-e', 'boot/*']),
      SLOW,
    );
  });
}

/**
 * Container template: `<TEMPLATE_NAME>` (the rootfs tarball LXC containers are unpacked from) and
 * `template-layer.tar.zst`, the same file at TEMPLATE_DIR as a payload layer without end-of-archive
 * blocks, so each build appends it to the payload without compressing the tarball again.
 */
export async function templateBase(ctx: StageContext): Promise<StageResult> {
  return stage(ctx, TEMPLATE, TEMPLATE_ZSTD_LEVEL, async (tree, out) => {
    // LXC mounts a /dev of its own; device nodes cannot be made in an unprivileged container
    // (unpacking them there would fail), so the template has an empty /dev.
    const dev = path.join(tree, 'dev');
    for (const e of readdirSync(dev)) rmSync(path.join(dev, e), { recursive: true, force: true });
    const file = path.join(out, TEMPLATE_NAME);
    await ctx.runner.run(
      [
        'tar',
        '-C',
        tree,
        '--create',
        '--numeric-owner',
        '--sort=name',
        '--use-compress-program',
        `zstd -q -T0 -${TEMPLATE_ZSTD_LEVEL}`,
        '-f',
        file,
        '.',
      ],
      SLOW,
    );
    const layer = path.join(out, '.layer');
    mkdirSync(path.join(layer, TEMPLATE_DIR), { recursive: true });
    linkSync(file, path.join(layer, TEMPLATE_DIR, TEMPLATE_NAME));
    await ctx.runner.run(
      [
        path.join(ISO_DIR, 'scripts/pack-tar.sh'),
        layer,
        path.join(out, 'template-layer.tar.zst'),
        '1',
        'noeof',
      ],
      SLOW,
    );
    rmSync(layer, { recursive: true, force: true });
  });
}

/** Mount points at or below `dir`, last mounted first (a child is always listed after its parent), from /proc/self/mountinfo text. Pure. */
export function mountsUnder(mountinfo: string, dir: string): string[] {
  const unescape = (p: string) =>
    p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return mountinfo
    .split('\n')
    .map((line) => unescape(line.split(' ')[4] ?? ''))
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .reverse();
}

/**
 * Removes a build tree, unmounting what is still mounted inside it first (debootstrap mounts
 * /proc and /sys itself; a killed run leaves them). Never deletes through a mount: with /dev
 * bind-mounted, a recursive delete would empty the host's /dev.
 */
export async function removeTree(
  ctx: Pick<StageContext, 'runner'>,
  tree: string,
  mountinfo = () => readFileSync('/proc/self/mountinfo', 'utf8'),
): Promise<void> {
  for (const at of mountsUnder(mountinfo(), tree)) {
    const r = await ctx.runner.run(['umount', at], { reject: false });
    if (r.exitCode !== 0) await ctx.runner.run(['umount', '-l', at], { reject: false });
  }
  const left = mountsUnder(mountinfo(), tree);
  if (left.length > 0)
    throw new Error(`${tree}: still mounted (${left.join(', ')}); not removing it`);
  rmSync(tree, { recursive: true, force: true });
}

/** Build directories (`.tmp-<key>-<pid>[.tree]`) of builds whose process is gone. Pure. */
export function staleBuildDirs(
  names: readonly string[],
  alive: (pid: number) => boolean,
): string[] {
  return names.filter((n) => {
    const m = /^\.tmp-(?:target|live|template)-[0-9a-f]{16}-(\d+)(?:\.tree)?$/.exec(n);
    return m !== null && Number(m[1]) !== process.pid && !alive(Number(m[1]));
  });
}

/** A killed build leaves a tree of ~1 GB (and maybe its mounts): cleared by the next build. */
async function clearStaleBuilds(ctx: StageContext): Promise<void> {
  if (!existsSync(ctx.cacheDir)) return;
  for (const name of staleBuildDirs(readdirSync(ctx.cacheDir), pidAlive)) {
    try {
      await removeTree(ctx, path.join(ctx.cacheDir, name));
      ctx.log(`removed ${name} (left by a build that is gone)`);
    } catch (err) {
      ctx.log(`could not remove ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

async function stage(
  ctx: StageContext,
  recipe: StageRecipe,
  zstdLevel: number | undefined,
  pack: (tree: string, out: string) => Promise<void>,
): Promise<StageResult> {
  const files = readRecipeFiles(recipe);
  const key = stageKey(recipe, files, zstdLevel);
  const started = performance.now();
  await clearStaleBuilds(ctx);
  const result = await cached(ctx.cacheDir, key, async (out) => {
    ctx.log(`${recipe.name}: building ${key} (not cached)`);
    const tree = `${out}.tree`;
    await removeTree(ctx, tree);
    const progress = tracker(ctx, recipe.name);
    let failed = false;
    try {
      await debootstrap(
        ctx,
        recipe,
        parsePackageList(files[recipe.packageList] ?? '', recipe.packageList),
        tree,
        progress,
      );
      progress.step('setup');
      await inChroot(ctx, tree, path.join(ISO_DIR, recipe.setupScript));
      progress.step('packing');
      await pack(tree, out);
      progress.step('done');
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      // a failed cleanup must not hide why the stage failed (a killed debootstrap leaves its mounts)
      await removeTree(ctx, tree).catch((err: unknown) => {
        if (!failed) throw err;
        ctx.log(`${recipe.name}: ${err instanceof Error ? err.message : String(err)}`);
      });
    }
  });
  if (result.hit) ctx.log(`${recipe.name}: cached ${key}`);
  const removed = pruneStage(ctx.cacheDir, recipe.name, key);
  if (removed.length) ctx.log(`${recipe.name}: pruned ${removed.join(', ')}`);
  return { key, ...result, seconds: (performance.now() - started) / 1000 };
}

/**
 * Each stage downloads into a .deb cache of its own: debootstraps that share one `--cache-dir`
 * at the same time corrupt each other's downloads (DESIGN 5), and the stages run in parallel.
 */
export function debsDir(cacheDir: string, stage: StageRecipe['name']): string {
  return path.join(cacheDir, 'debs', stage);
}

/** Where a stage remembers how many packages it fetched last time (the total shown while fetching). */
function countFile(cacheDir: string, stage: StageRecipe['name']): string {
  return path.join(debsDir(cacheDir, stage), '.packages');
}

interface Tracker {
  line(line: string): void;
  step(step: StageStep): void;
  current(): StageProgress;
}

function tracker(ctx: StageContext, stage: StageRecipe['name']): Tracker {
  let hint: number | undefined;
  try {
    const n = Number.parseInt(readFileSync(countFile(ctx.cacheDir, stage), 'utf8'), 10);
    if (n > 0) hint = n;
  } catch {
    // first build with this cache: the total is known once fetching ends
  }
  let p = initialProgress(stage, hint);
  const set = (next: StageProgress) => {
    if (next === p) return;
    p = next;
    ctx.progress?.(p);
  };
  return {
    line: (line) => set(debootstrapLine(p, line)),
    step: (step) => set(enterStep(p, step)),
    current: () => p,
  };
}

async function debootstrap(
  ctx: StageContext,
  recipe: StageRecipe,
  packages: string[],
  tree: string,
  progress: Tracker,
) {
  const debs = debsDir(ctx.cacheDir, recipe.name);
  mkdirSync(debs, { recursive: true });
  const lines = lineSplitter((l) => progress.line(l));
  await ctx.runner.run(
    [
      'debootstrap',
      `--variant=${recipe.variant}`,
      `--components=${recipe.components.join(',')}`,
      `--cache-dir=${debs}`,
      `--include=${packages.join(',')}`,
      SUITE,
      tree,
      MIRROR,
    ],
    { ...SLOW, onOutput: (chunk) => lines.push(chunk) },
  );
  lines.end();
  const fetched = progress.current().fetched;
  if (fetched > 0) writeFileSync(countFile(ctx.cacheDir, recipe.name), `${fetched}\n`);
}

/** Runs a recipe script inside the tree with /proc, /sys, /dev mounted; always unmounts. */
export async function inChroot(ctx: StageContext, tree: string, script: string): Promise<void> {
  const mounts: [string[], string][] = [
    [['-t', 'proc', 'proc'], 'proc'],
    [['-t', 'sysfs', 'sysfs'], 'sys'],
    [['--bind', '/dev'], 'dev'],
    [['--bind', '/dev/pts'], 'dev/pts'],
  ];
  const done: string[] = [];
  try {
    for (const [args, where] of mounts) {
      const at = path.join(tree, where);
      await ctx.runner.run(['mount', ...args, at]);
      done.push(at);
    }
    copyFileSync(script, path.join(tree, 'tmp/openve-setup.sh'));
    await ctx.runner.run(['chroot', tree, '/bin/sh', '/tmp/openve-setup.sh'], {
      ...SLOW,
      env: { LC_ALL: 'C' },
    });
    rmSync(path.join(tree, 'tmp/openve-setup.sh'), { force: true });
  } finally {
    for (const at of done.reverse()) {
      const r = await ctx.runner.run(['umount', at], { reject: false });
      if (r.exitCode !== 0) await ctx.runner.run(['umount', '-l', at], { reject: false });
    }
  }
}

function newest(dir: string, pattern: RegExp): string {
  const found = existsSync(dir) ? readdirSync(dir).filter((f) => pattern.test(f)) : [];
  found.sort((a, b) => statSync(path.join(dir, b)).mtimeMs - statSync(path.join(dir, a)).mtimeMs);
  const first = found[0];
  if (!first) throw new Error(`no ${pattern.source} in ${dir}: did the kernel package install?`);
  return first;
}
