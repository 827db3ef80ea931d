// The ISO recipe as data: where its inputs live, how the cached stages are keyed, and the small
// pure helpers (package lists, cache keys, grub environment). No I/O except reading recipe files.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../lib/errors.ts';

/** The checkout holding iso/ (this module may run from source or from an esbuild chunk in dist/). */
function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'iso/packages/target.list'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}
export const REPO_ROOT = findRepoRoot();
export const ISO_DIR = path.join(REPO_ROOT, 'iso');

export const SUITE = 'trixie';
export const MIRROR = 'http://deb.debian.org/debian';
export const DEFAULT_CACHE_DIR = '/var/cache/openve';
/** Path contract with installer/locate and the engine: everything openve lives under /openve/ on the medium. */
export const MEDIUM = {
  payload: 'openve/payload.tar.zst',
  /** uncompressed bytes of the payload (installer/apply/extract-progress.ts sizeFileOf) */
  payloadSize: 'openve/payload.tar.zst.size',
  answer: 'openve/answer.toml',
  firstBoot: 'openve/first-boot',
  grubEnv: 'openve/grub-env.cfg',
} as const;

export interface StageRecipe {
  name: 'target' | 'live' | 'template';
  variant: 'minbase';
  components: string[];
  packageList: string; // file under iso/packages
  setupScript: string; // file under iso/chroot, run inside the chroot
  /** extra recipe files whose content changes the artifact (e.g. the packer) */
  extraFiles: string[];
  /** bump when the build code (not the files) changes the artifact */
  revision: number;
}

export const TARGET: StageRecipe = {
  name: 'target',
  variant: 'minbase',
  components: ['main', 'contrib'],
  packageList: 'packages/target.list',
  setupScript: 'chroot/target-setup.sh',
  extraFiles: ['scripts/pack-tar.sh'],
  revision: 1,
};

export const LIVE: StageRecipe = {
  name: 'live',
  variant: 'minbase',
  components: ['main'],
  packageList: 'packages/live.list',
  setupScript: 'chroot/live-setup.sh',
  extraFiles: [],
  revision: 1,
};

/**
 * The Debian trixie container template the node manager creates containers from (MANAGER.md 2):
 * a minbase tree with systemd, packed as an LXC rootfs tarball and shipped in the payload under
 * TEMPLATE_DIR (the manager's template store links there).
 */
export const TEMPLATE: StageRecipe = {
  name: 'template',
  variant: 'minbase',
  components: ['main'],
  packageList: 'packages/template.list',
  setupScript: 'chroot/template-setup.sh',
  extraFiles: ['scripts/pack-tar.sh'],
  revision: 1,
};
export const TEMPLATE_NAME = 'debian-13-standard_amd64.tar.zst';
/** on the installed node, without the leading slash (a path inside the payload) */
export const TEMPLATE_DIR = 'var/lib/openve/templates';
/** zstd level of the template tarball (unpacked by the manager with tar, which detects zstd) */
export const TEMPLATE_ZSTD_LEVEL = 15;

/** zstd level of the cached payload base (measured: see iso/README.md). */
export const PAYLOAD_ZSTD_LEVEL = 6;

/** Package names from a list file: one per line, '#' comments, blank lines ignored. */
export function parsePackageList(text: string, file = 'package list'): string[] {
  const names: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    if (!/^[a-z0-9][a-z0-9+.-]+$/.test(line)) {
      throw new UserError({
        path: `${file}:${i + 1}`,
        message: `'${line}' is not a Debian package name`,
      });
    }
    names.push(line);
  });
  return names;
}

/** Cache key of a stage: a hash of everything that determines its output. Pure. */
/**
 * Pure: the part of a recipe file (shell script, package list) that can change a stage: comment
 * lines and blank lines dropped, so a comment edit keeps the cached stage. `#!` lines stay (an
 * interpreter line, also one inside a here-document). A comment line inside a here-document is
 * dropped too: its text in the built tree stays as it was until the stage is rebuilt.
 */
export function keyText(text: string): string {
  return text
    .split('\n')
    .filter((line) => {
      const t = line.trim();
      return t !== '' && (!t.startsWith('#') || t.startsWith('#!'));
    })
    .join('\n');
}

export function stageKey(
  recipe: StageRecipe,
  files: Record<string, string>,
  zstdLevel?: number,
): string {
  const h = createHash('sha256');
  const material = {
    recipe: { ...recipe },
    suite: SUITE,
    mirror: MIRROR,
    zstdLevel: zstdLevel ?? null,
    files: Object.keys(files)
      .sort()
      .map((k) => [k, keyText(files[k] ?? '')]),
  };
  h.update(JSON.stringify(material));
  return `${recipe.name}-${h.digest('hex').slice(0, 16)}`;
}

export function readRecipeFiles(recipe: StageRecipe): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of [recipe.packageList, recipe.setupScript, ...recipe.extraFiles]) {
    files[f] = readFileSync(path.join(ISO_DIR, f), 'utf8');
  }
  return files;
}

/** Kernel parameters that measure the installer (`openve.bench-extract=plan` lays out and fills the answer's disks before the install): test ISOs only. */
export function isMeasurementArg(arg: string): boolean {
  return /^openve\.bench/.test(arg);
}

/**
 * Extra kernel parameters baked into the ISO (/openve/grub-env.cfg, sourced by grub.cfg).
 * Only plain `key` or `key=value` words: nothing that GRUB's parser could execute.
 */
export function renderGrubEnv(kernelArgs: string[]): string {
  const bad = kernelArgs.filter((a) => !/^[A-Za-z0-9_.-]+(=[A-Za-z0-9_.,:/@+-]*)?$/.test(a));
  if (bad.length > 0) {
    throw new UserError({
      path: '--kernel-arg',
      message: `${bad.map((b) => `'${b}'`).join(', ')} not allowed; use key or key=value with letters, digits and _.,:/@+-`,
    });
  }
  return `set openve_extra="${kernelArgs.join(' ')}"\n`;
}

/** Pure: mksquashfs with the one compression every squashfs of the ISO uses (docs/design.md §5). */
export function squashfsArgv(dir: string, out: string, extra: string[] = []): string[] {
  return [
    'mksquashfs',
    dir,
    out,
    '-comp',
    'zstd',
    '-b',
    '1M',
    '-noappend',
    '-no-progress',
    '-quiet',
    ...extra,
  ];
}
