import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { subIdsCover, unprivilegedPossible } from '../../../manager/server/guests/subids.ts';

describe('subordinate ids for unprivileged containers', () => {
  it('finds a range of root that covers the container id map', () => {
    expect(subIdsCover('root:100000:65536\n', 'root', 100000, 65536)).toBe(true);
    expect(subIdsCover('alice:100000:65536\nroot:65536:200000\n', 'root', 100000, 65536)).toBe(
      true,
    );
  });
  it('refuses another user, a short or shifted range, and junk', () => {
    expect(subIdsCover('alice:100000:65536\n', 'root', 100000, 65536)).toBe(false);
    expect(subIdsCover('root:100000:1000\n', 'root', 100000, 65536)).toBe(false);
    expect(subIdsCover('root:100001:65536\n', 'root', 100000, 65536)).toBe(false);
    expect(subIdsCover('root:x:y\n# comment\n\n', 'root', 100000, 65536)).toBe(false);
    expect(subIdsCover('', 'root', 100000, 65536)).toBe(false);
  });
  it('needs both subuid and subgid', () => {
    const etc = mkdtempSync(path.join(os.tmpdir(), 'openve-subids-'));
    expect(unprivilegedPossible(etc)).toBe(false);
    writeFileSync(path.join(etc, 'subuid'), 'root:100000:65536\n');
    expect(unprivilegedPossible(etc)).toBe(false);
    writeFileSync(path.join(etc, 'subgid'), 'root:100000:65536\n');
    expect(unprivilegedPossible(etc)).toBe(true);
  });
});
