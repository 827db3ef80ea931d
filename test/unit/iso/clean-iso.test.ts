// Measurement flags never reach an ISO a person is handed (issue 10 §1).
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ISO_DIR, REPO_ROOT, isMeasurementArg, renderGrubEnv } from '../../../iso/recipe/recipe.ts';
import { run as buildIso } from '../../../installer/commands/build-iso.ts';

const check = path.join(ISO_DIR, 'scripts/check-clean-iso.sh');

/** A small ISO with the real grub.cfg and, optionally, a grub-env.cfg (as assemble writes them). */
function iso(dir: string, name: string, kernelArgs: string[]): string {
  const medium = path.join(dir, `${name}.d`);
  mkdirSync(path.join(medium, 'boot/grub'), { recursive: true });
  mkdirSync(path.join(medium, 'openve'), { recursive: true });
  writeFileSync(
    path.join(medium, 'boot/grub/grub.cfg'),
    readFileSync(path.join(ISO_DIR, 'grub/grub.cfg')),
  );
  if (kernelArgs.length)
    writeFileSync(path.join(medium, 'openve/grub-env.cfg'), renderGrubEnv(kernelArgs));
  const out = path.join(dir, `${name}.iso`);
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-o', out, '-V', 'OPENVE', medium], {
    stdio: 'ignore',
  });
  return out;
}

describe('clean ISO check', () => {
  it('passes an ISO without measurement flags and fails one with, naming the file and line', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openve-clean-'));
    try {
      expect(spawnSync(check, [iso(dir, 'plain', [])]).status).toBe(0);
      expect(spawnSync(check, [iso(dir, 'args', ['quiet', 'openve.debug=1'])]).status).toBe(0);
      const bad = spawnSync(check, [iso(dir, 'bench', ['openve.bench-extract=/dev/vda'])], {
        encoding: 'utf8',
      });
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain(
        'bench.iso:/openve/grub-env.cfg:1:set openve_extra="openve.bench-extract=/dev/vda"',
      );
      expect(spawnSync(check, [path.join(dir, 'missing.iso')]).status).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('build-iso refuses a measurement flag without --for-tests, before doing anything', async () => {
    expect(isMeasurementArg('openve.bench-extract=/dev/vda')).toBe(true);
    expect(isMeasurementArg('openve.debug=1')).toBe(false);
    await expect(
      buildIso(['--out', '/nonexistent/x.iso', '--kernel-arg', 'openve.bench-extract=/dev/vda']),
    ).rejects.toThrow(/--for-tests/);
  });

  it('the main job builds without measurement flags and checks the ISO it prints', () => {
    const main = readFileSync(path.join(REPO_ROOT, 'scripts/main.sh'), 'utf8');
    const build = main.split('\n').filter((l) => l.includes('build-iso'));
    expect(build.length).toBeGreaterThan(0);
    for (const l of build) {
      expect(l).not.toMatch(/openve\.bench|--for-tests/);
    }
    expect(main).toMatch(/check-clean-iso\.sh "\$ISO"/);
  });
});
