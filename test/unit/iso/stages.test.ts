import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { recordingRunner } from '../../../installer/exec/recording.ts';
import { debsDir, liveBase, targetBase, type StageContext } from '../../../iso/recipe/stages.ts';
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
