// The payload's recorded size and tar's checkpoints agree: what the installer's progress relies on.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ISO_DIR, MEDIUM } from '../../../iso/recipe/recipe.ts';
import {
  TAR_RECORD_BYTES,
  checkpointArgs,
  lastCheckpoint,
  sizeFileOf,
} from '../../../installer/apply/extract-progress.ts';

describe('payload size record', () => {
  it('sits where the installer looks for it', () => {
    expect(MEDIUM.payloadSize).toBe(sizeFileOf(MEDIUM.payload));
  });

  it('is the uncompressed size of base + layer, and tar checkpoints count records of it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openve-psize-'));
    try {
      const base = path.join(dir, 'base');
      const layer = path.join(dir, 'layer');
      mkdirSync(path.join(base, 'usr'), { recursive: true });
      mkdirSync(path.join(layer, 'etc'), { recursive: true });
      // incompressible data, so the sizes are not trivially small
      writeFileSync(
        path.join(base, 'usr/blob'),
        Buffer.from(Array.from({ length: 3_000_000 }, (_, i) => (i * 7919) % 251)),
      );
      writeFileSync(path.join(layer, 'etc/openve'), 'layer\n');
      const pack = path.join(ISO_DIR, 'scripts/pack-tar.sh');
      execFileSync(pack, [base, path.join(dir, 'base.tar.zst'), '3', 'noeof']);
      execFileSync(pack, [layer, path.join(dir, 'layer.tar.zst'), '3']);
      const payload = path.join(dir, 'payload.tar.zst');
      writeFileSync(
        payload,
        Buffer.concat([
          readFileSync(path.join(dir, 'base.tar.zst')),
          readFileSync(path.join(dir, 'layer.tar.zst')),
        ]),
      );
      execFileSync(path.join(ISO_DIR, 'scripts/payload-size.sh'), [payload, sizeFileOf(payload)]);
      const size = Number(readFileSync(sizeFileOf(payload), 'utf8'));
      const plain = execFileSync('zstd', ['-q', '-dc', payload], { maxBuffer: 64 * 1024 * 1024 });
      expect(size).toBe(plain.length);

      const out = path.join(dir, 'out');
      mkdirSync(out);
      // tar prints its checkpoints on stderr
      const tar = spawnSync('tar', ['--zstd', '-xpf', payload, '-C', out, ...checkpointArgs(20)], {
        encoding: 'utf8',
      });
      expect(tar.status).toBe(0);
      const log = tar.stderr;
      const last = lastCheckpoint(log) as number;
      expect(last * TAR_RECORD_BYTES).toBeLessThanOrEqual(size);
      expect(last * TAR_RECORD_BYTES).toBeGreaterThan(size * 0.9);
      expect(readFileSync(path.join(out, 'etc/openve'), 'utf8')).toBe('layer\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
