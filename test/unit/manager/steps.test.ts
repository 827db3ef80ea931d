// runSteps: a creation's steps in order; on a failure the done steps undone in reverse, an open
// mount first, nothing when it will not go away; the failure rethrown.
import { describe, expect, it } from 'vitest';
import { runSteps, type Step } from '../../../manager/server/guests/steps.ts';

function recorder() {
  const seen: string[] = [];
  const step = (name: string, more: Partial<Step> & { fails?: boolean } = {}): Step => ({
    name,
    run: async () => {
      seen.push(name);
      if (more.fails) throw new Error(`${name} failed`);
    },
    undo: async () => void seen.push(`undo ${name}`),
    ...more,
  });
  return { seen, step };
}

describe('runSteps', () => {
  it('runs every step in order and undoes nothing when all succeed', async () => {
    const { seen, step } = recorder();
    await runSteps([step('a'), step('b')], { log: () => {} });
    expect(seen).toEqual(['a', 'b']);
  });

  it('undoes the done steps in reverse, the failed one only with undoAfterFailure', async () => {
    const { seen, step } = recorder();
    let released = 0;
    await expect(
      runSteps([step('a'), step('b', { undo: undefined }), step('c'), step('d', { fails: true })], {
        log: () => {},
        beforeUndo: () => released++,
      }),
    ).rejects.toThrow('d failed');
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'undo c', 'undo a']);
    expect(released).toBe(1);
    const r2 = recorder();
    await expect(
      runSteps([r2.step('vol', { fails: true, undoAfterFailure: true })], { log: () => {} }),
    ).rejects.toThrow();
    expect(r2.seen).toEqual(['vol', 'undo vol']);
  });

  it('unmounts an open mount before anything else; a failed undo does not stop the others', async () => {
    const { seen, step } = recorder();
    const mount = { unmount: async () => (seen.push('umount'), null) };
    await expect(
      runSteps(
        [
          step('vol'),
          step('mnt', { undo: undefined, mount }),
          step('create', { undo: async () => Promise.reject(new Error('x')) }),
          step('fill', { fails: true }),
        ],
        { log: () => {} },
      ),
    ).rejects.toThrow('fill failed');
    expect(seen).toEqual(['vol', 'mnt', 'create', 'fill', 'umount', 'undo vol']);
  });

  it('keeps everything when the mount will not go away, and logs why', async () => {
    const { seen, step } = recorder();
    const logs: string[] = [];
    const mount = { unmount: async () => 'could not unmount /m: busy' };
    await expect(
      runSteps(
        [step('vol'), step('mnt', { undo: undefined, mount }), step('fill', { fails: true })],
        {
          log: (l) => logs.push(l),
        },
      ),
    ).rejects.toThrow('fill failed');
    expect(seen).toEqual(['vol', 'mnt', 'fill']);
    expect(logs).toEqual(['could not unmount /m: busy']);
  });

  it('a mount ended by a later step is not unmounted again', async () => {
    const { seen, step } = recorder();
    const mount = { unmount: async () => (seen.push('umount'), null) };
    await expect(
      runSteps(
        [
          step('vol'),
          step('mnt', { undo: undefined, mount }),
          step('unmount', { undo: undefined, ends: 'mnt' }),
          step('record', { fails: true }),
        ],
        { log: () => {} },
      ),
    ).rejects.toThrow('record failed');
    expect(seen).toEqual(['vol', 'mnt', 'unmount', 'record', 'undo vol']);
  });
});
