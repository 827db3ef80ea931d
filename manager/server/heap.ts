// The manager's heap kept small. With 100 guests the live heap is ~18 MB, but V8's default sizing
// let a busy spell (100 guests created, each through a few commands) grow the young generation to
// 32 MB and the old one to 24-30 MB of mostly garbage, which V8 keeps mapped: RSS 125 MiB after
// bench/manager.mjs's 100 creates, over the 120 MB budget, 79 MiB after a restart with the same 100
// guests. `--optimize-for-size` is read by V8's heap sizing at each GC (not only at start-up, unlike
// --max-semi-space-size), so it can be set from here without a wrapper or NODE_OPTIONS: young
// generation 1-4 MB, old generation grown conservatively. The hot path (the guest lists) is cached
// and allocates little, so the extra GC work is small (bench/manager.mjs reports CPU per request).
import v8 from 'node:v8';

export function lowFootprintHeap(): void {
  v8.setFlagsFromString('--optimize-for-size');
}
