import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { recordingRunner } from '../../../lib/exec/recording.ts';
import {
  STAGE_TIMEOUT_MS,
  debsDir,
  liveBase,
  mountsUnder,
  removeTree,
  staleBuildDirs,
  targetBase,
  type StageContext,
} from '../../../iso/recipe/stages.ts';
import { formatProgress, type StageProgress } from '../../../iso/recipe/progress.ts';

/**
 * A stand-in debootstrap that behaves like the real one towards its --cache-dir: it downloads
 * into it, and a download of a .deb that another debootstrap is writing at the same moment fails
 * (the real one deletes the other's half-written file and both retry until they give up).
 */
function fakeDebootstrap() {
  const writing = new Set<string>();
  const cacheDirs: string[] = [];
  let running = 0;
  const state = { maxRunning: 0 };
  const respond = async (argv: readonly string[]) => {
    const cacheDir = (argv.find((a) => a.startsWith('--cache-dir=')) ?? '').slice(
      '--cache-dir='.length,
    );
    cacheDirs.push(cacheDir);
    const tree = argv[argv.length - 2] as string;
    for (const d of ['boot', 'tmp', 'proc', 'sys', 'dev/pts'])
      mkdirSync(path.join(tree, d), { recursive: true });
    writeFileSync(path.join(tree, 'boot/vmlinuz-6.12'), 'k');
    writeFileSync(path.join(tree, 'boot/initrd.img-6.12'), 'i');
    const deb = path.join(cacheDir, 'libbz2-1.0_1.0.8-6_amd64.deb');
    if (writing.has(deb)) return { exitCode: 1, stderr: `W: Retrying failed download of ${deb}\n` };
    writing.add(deb);
    state.maxRunning = Math.max(state.maxRunning, ++running);
    await new Promise((r) => setTimeout(r, 50)); // both stages are downloading now
    running--;
    writeFileSync(deb, 'deb');
    writing.delete(deb);
    return {
      stdout:
        'I: Retrieving libbz2-1.0 1.0.8-6\nI: Validating libbz2-1.0 1.0.8-6\nI: Extracting libbz2-1.0...\n',
    };
  };
  return { respond, cacheDirs, state };
}

describe('cold build stages', () => {
  it('run their debootstraps in parallel without sharing a .deb cache directory', async () => {
    const cacheDir = mkdtempSync(path.join(tmpdir(), 'openve-stages-'));
    try {
      const fake = fakeDebootstrap();
      const runner = recordingRunner({
        rules: [{ match: ['debootstrap'], respond: (argv) => fake.respond(argv) }],
      });
      const seen: StageProgress[] = [];
      const ctx: StageContext = { runner, cacheDir, log: () => {}, progress: (p) => seen.push(p) };
      const [target, live] = await Promise.all([targetBase(ctx), liveBase(ctx)]);
      expect(target.hit).toBe(false);
      expect(live.hit).toBe(false);
      expect(fake.cacheDirs.sort()).toEqual(
        [debsDir(cacheDir, 'live'), debsDir(cacheDir, 'target')].sort(),
      );
      expect(fake.state.maxRunning).toBe(2); // still in parallel
      // progress per stage, and the count remembered as the next build's total
      expect(seen.map(formatProgress)).toContain('target: fetching packages 1/? (libbz2-1.0)');
      expect(seen.map(formatProgress)).toContain('live: extracting 1/1 (libbz2-1.0)');
      expect(seen.map(formatProgress)).toContain('live: packing');
      expect(readFileSync(path.join(debsDir(cacheDir, 'target'), '.packages'), 'utf8')).toBe('1\n');
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('the stand-in fails as the real debootstrap did when two share one cache directory', async () => {
    const fake = fakeDebootstrap();
    const shared = mkdtempSync(path.join(tmpdir(), 'openve-shared-'));
    try {
      const argv = (tree: string) => [
        'debootstrap',
        `--cache-dir=${shared}`,
        'trixie',
        tree,
        'http://mirror',
      ];
      const results = await Promise.all([
        fake.respond(argv(path.join(shared, 'a'))),
        fake.respond(argv(path.join(shared, 'b'))),
      ]);
      expect(results.map((r) => r.exitCode ?? 0).sort()).toEqual([0, 1]);
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });
});

describe('build tree removal', () => {
  const info = (points: string[]) =>
    points.map((p, i) => `${30 + i} 1 0:${i} / ${p} rw,relatime - proc proc rw`).join('\n');
  it('finds the mounts inside a tree, last mounted first, with mountinfo escapes decoded', () => {
    const text = info([
      '/',
      '/c/.tmp-x.tree/proc',
      '/c/.tmp-x.tree/dev',
      '/c/.tmp-x.tree/dev/pts',
      '/c/.tmp-x.treeother',
      '/c/.tmp-x.tree/a\\040b',
    ]);
    expect(mountsUnder(text, '/c/.tmp-x.tree')).toEqual([
      '/c/.tmp-x.tree/a b',
      '/c/.tmp-x.tree/dev/pts',
      '/c/.tmp-x.tree/dev',
      '/c/.tmp-x.tree/proc',
    ]);
  });
  it('unmounts what a killed debootstrap left before deleting, and refuses to delete through a mount', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openve-tree-'));
    try {
      const tree = path.join(dir, 'tree');
      mkdirSync(path.join(tree, 'proc'), { recursive: true });
      let mounted = [`${tree}/proc`];
      const runner = recordingRunner({
        rules: [
          {
            match: ['umount'],
            respond: (argv) => ((mounted = mounted.filter((m) => m !== argv[argv.length - 1])), {}),
          },
        ],
      });
      await removeTree({ runner }, tree, () => info(mounted));
      expect(runner.calls.map((c) => c.argv.join(' '))).toEqual([`umount ${tree}/proc`]);
      expect(existsSync(tree)).toBe(false);

      mkdirSync(path.join(tree, 'dev'), { recursive: true });
      writeFileSync(path.join(tree, 'dev/null'), 'host device');
      const stuck = recordingRunner({
        rules: [{ match: ['umount'], respond: { exitCode: 32, stderr: 'target is busy' } }],
      });
      await expect(
        removeTree({ runner: stuck }, tree, () => info([`${tree}/dev`])),
      ).rejects.toThrow(/still mounted .*not removing it/);
      expect(existsSync(path.join(tree, 'dev/null'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("gives the slow stages far more than the runner's 15 minutes", () => {
    expect(STAGE_TIMEOUT_MS).toBeGreaterThanOrEqual(2 * 60 * 60_000);
  });
});

describe('stale build directories', () => {
  it('are those of dead builds only', () => {
    const names = [
      '.tmp-target-9b8a784b1fc71129-12201',
      '.tmp-target-9b8a784b1fc71129-12201.tree',
      '.tmp-live-f142c34c2447828f-32472.tree',
      'target-9b8a784b1fc71129',
      'debs',
      '.test-payload.lock',
      `.tmp-live-f142c34c2447828f-${process.pid}.tree`,
    ];
    expect(staleBuildDirs(names, (pid) => pid === 32472)).toEqual([
      '.tmp-target-9b8a784b1fc71129-12201',
      '.tmp-target-9b8a784b1fc71129-12201.tree',
    ]);
  });
});
