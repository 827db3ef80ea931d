// Small caches that keep per-request work off the list routes: a Map that counts its changes
// (so a derived value knows when it is stale) and memos keyed by such counters or by time.

/** A Map whose `version` goes up on every change. */
export class VersionedMap<K, V> extends Map<K, V> {
  version = 0;
  override set(key: K, value: V): this {
    if (super.get(key) !== value || !super.has(key)) this.version++;
    return super.set(key, value);
  }
  override delete(key: K): boolean {
    const had = super.delete(key);
    if (had) this.version++;
    return had;
  }
  override clear(): void {
    if (this.size) this.version++;
    super.clear();
  }
  /** becomes `now` (a full listing: what it lacks goes); `changed` hears each new or changed value */
  sync(now: ReadonlyMap<K, V>, changed: (key: K, value: V) => void): void {
    for (const key of this.keys()) if (!now.has(key)) this.delete(key);
    for (const [key, value] of now) {
      if (this.get(key) !== value) changed(key, value);
      this.set(key, value);
    }
  }
}

/** fn's value, recomputed only when key() changes */
export function memoByKey<T>(key: () => string, fn: () => T): () => T {
  let last: { key: string; value: T } | null = null;
  return () => {
    const k = key();
    if (!last || last.key !== k) last = { key: k, value: fn() };
    return last.value;
  };
}

/** fn's value, recomputed at most every ttlMs (for cheap-but-not-free reads of the machine) */
export function memoFor<T>(ttlMs: number, fn: () => T, now: () => number = Date.now): () => T {
  let last: { at: number; value: T } | null = null;
  return () => {
    const t = now();
    if (!last || t - last.at >= ttlMs) last = { at: t, value: fn() };
    return last.value;
  };
}
