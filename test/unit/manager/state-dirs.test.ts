// The state dir's modes: private parts closed, what QEMU and unprivileged containers must traverse
// open for traversal only.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureStateDirs, statePaths } from '../../../manager/server/state.ts';

describe('ensureStateDirs', () => {
  it('lets a container root traverse the lxc path, keeps tokens and tasks private', () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'openve-state-'));
    try {
      const p = statePaths(path.join(tmp, 'state'));
      ensureStateDirs(p);
      const mode = (d: string) => statSync(d).mode & 0o777;
      expect(mode(p.root)).toBe(0o711);
      expect(mode(p.lxc)).toBe(0o711);
      for (const d of [p.guests, p.tasks, p.tls, p.tmp, p.metrics]) expect(mode(d)).toBe(0o700);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
