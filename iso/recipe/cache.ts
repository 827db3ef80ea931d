// Build cache under /var/cache/openve: one directory per stage key. An entry is complete only
// when its directory exists (built in a temporary sibling, then renamed), so an interrupted build
// never leaves a half artifact that a later build would trust.
import { existsSync, mkdirSync, renameSync, rmSync, readdirSync } from 'node:fs';
import path from 'node:path';

export interface CacheHit {
  dir: string;
  hit: boolean;
}

export async function cached(
  cacheDir: string,
  key: string,
  build: (tmpDir: string) => Promise<void>,
): Promise<CacheHit> {
  const dir = path.join(cacheDir, key);
  if (existsSync(dir)) return { dir, hit: true };
  mkdirSync(cacheDir, { recursive: true });
  const tmp = path.join(cacheDir, `.tmp-${key}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    await build(tmp);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  try {
    renameSync(tmp, dir);
  } catch (err) {
    // another build of the same key (CI beside a developer's build) finished first: use its entry
    rmSync(tmp, { recursive: true, force: true });
    if (existsSync(dir)) return { dir, hit: false };
    throw err;
  }
  return { dir, hit: false };
}

/** Remove older entries of the same stage (keeps the cache from growing with every recipe edit). */
export function pruneStage(cacheDir: string, stage: string, keep: string): string[] {
  if (!existsSync(cacheDir)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(cacheDir)) {
    if (name.startsWith(`${stage}-`) && name !== keep) {
      rmSync(path.join(cacheDir, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed;
}
