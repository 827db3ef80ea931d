// The slow, cached stages of the ISO build: the target payload base and the live system base.
// Each runs debootstrap, a setup script inside the chroot, then packs its artifact.
import { copyFileSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { CommandRunner } from '../../lib/exec/index.ts';
import { cached, pruneStage } from './cache.ts';
import {
  ISO_DIR,
  LIVE,
  MIRROR,
  PAYLOAD_ZSTD_LEVEL,
  SUITE,
  TARGET,
  parsePackageList,
  readRecipeFiles,
  stageKey,
  type StageRecipe,
} from './recipe.ts';

export interface StageContext {
  runner: CommandRunner;
  cacheDir: string;
  log: (line: string) => void;
}

export interface StageResult {
  key: string;
  dir: string;
  hit: boolean;
  seconds: number;
}

/** Target payload base: `payload-base.tar.zst`, a tar stream without end-of-archive blocks. */
export async function targetBase(ctx: StageContext): Promise<StageResult> {
  return stage(ctx, TARGET, PAYLOAD_ZSTD_LEVEL, async (tree, out) => {
    await ctx.runner.run([
      path.join(ISO_DIR, 'scripts/pack-tar.sh'),
      tree,
      path.join(out, 'payload-base.tar.zst'),
      String(PAYLOAD_ZSTD_LEVEL),
      'noeof',
    ]);
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
    await ctx.runner.run([
      'mksquashfs', tree, path.join(out, 'filesystem.squashfs'),
      '-comp', 'zstd', '-b', '1M', '-noappend', '-no-progress', '-quiet', '-wildcards', '-e', 'boot/*',
    ]);
  });
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
  const result = await cached(ctx.cacheDir, key, async (out) => {
    ctx.log(`${recipe.name}: building ${key} (not cached)`);
    const tree = `${out}.tree`;
    rmSync(tree, { recursive: true, force: true });
    try {
      await debootstrap(ctx, recipe, parsePackageList(files[recipe.packageList] ?? '', recipe.packageList), tree);
      await inChroot(ctx, tree, path.join(ISO_DIR, recipe.setupScript));
      await pack(tree, out);
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });
  if (result.hit) ctx.log(`${recipe.name}: cached ${key}`);
  const removed = pruneStage(ctx.cacheDir, recipe.name, key);
  if (removed.length) ctx.log(`${recipe.name}: pruned ${removed.join(', ')}`);
  return { key, ...result, seconds: (performance.now() - started) / 1000 };
}

async function debootstrap(ctx: StageContext, recipe: StageRecipe, packages: string[], tree: string) {
  const debs = path.join(ctx.cacheDir, 'debs');
  await ctx.runner.run(['mkdir', '-p', debs]);
  await ctx.runner.run([
    'debootstrap',
    `--variant=${recipe.variant}`,
    `--components=${recipe.components.join(',')}`,
    `--cache-dir=${debs}`,
    `--include=${packages.join(',')}`,
    SUITE,
    tree,
    MIRROR,
  ]);
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
    await ctx.runner.run(['chroot', tree, '/bin/sh', '/tmp/openve-setup.sh'], { env: { LC_ALL: 'C' } });
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
