import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pidAlive } from '../../../lib/proc.ts';

describe('pidAlive', () => {
  it('is true for a running process and false once it has exited', () => {
    expect(pidAlive(process.pid)).toBe(true);
    const done = spawnSync('true');
    expect(done.pid).toBeGreaterThan(0);
    expect(pidAlive(done.pid as number)).toBe(false);
  });
});
