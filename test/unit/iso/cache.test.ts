import { describe, expect, it } from 'vitest';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cached } from '../../../iso/recipe/cache.ts';

describe('stage cache', () => {
  it('keeps the entry of a concurrent build of the same key that finished first', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openve-cache-'));
    try {
      const r = await cached(dir, 'target-0123456789abcdef', async (tmp) => {
        writeFileSync(path.join(tmp, 'artifact'), 'mine');
        // meanwhile the other build renamed its complete entry into place
        mkdirSync(path.join(dir, 'target-0123456789abcdef'));
        writeFileSync(path.join(dir, 'target-0123456789abcdef', 'artifact'), 'theirs');
      });
      expect(r.hit).toBe(false);
      expect(readFileSync(path.join(r.dir, 'artifact'), 'utf8')).toBe('theirs');
      expect(readdirSync(dir)).toEqual(['target-0123456789abcdef']); // no temporary left behind
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('removes the temporary entry of a failed build', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openve-cache-'));
    try {
      await expect(
        cached(dir, 'live-0123456789abcdef', async () =>
          Promise.reject(new Error('debootstrap failed')),
        ),
      ).rejects.toThrow('debootstrap failed');
      expect(existsSync(path.join(dir, 'live-0123456789abcdef'))).toBe(false);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
