// The manager's heap stays small after a busy spell (RSS budget: < 120 MB with 100 guests): after
// lowFootprintHeap(), garbage that lives a little while no longer grows V8's young generation to its
// 16-32 MB default or the old one to twice what is live.
import v8 from 'node:v8';
import { expect, it } from 'vitest';
import { lowFootprintHeap } from '../../../manager/server/heap.ts';

const sizeMiB = (space: string) =>
  (v8.getHeapSpaceStatistics().find((s) => s.space_name === space)?.space_size ?? 0) / 1048576;

it('keeps the young generation small through a burst of short-lived objects', async () => {
  lowFootprintHeap();
  const ring: unknown[] = new Array(50).fill(null);
  for (let r = 0; r < 200; r++) {
    const a = [];
    for (let i = 0; i < 3000; i++) a.push({ i, s: `x${i}`, d: [i, i + 1] });
    ring[r % 50] = a;
    await new Promise((s) => setImmediate(s));
  }
  ring.fill(null);
  expect(sizeMiB('new_space')).toBeLessThanOrEqual(8);
}, 30_000);
