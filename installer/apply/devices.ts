// Block-device facts the handlers need at apply time (what is mounted or active on a disk right
// now, whether the kernel shows a partition yet). All through the runner, so dry-run sees nothing.
import { parseLsblkTree, type LsblkNode } from '../../lib/parse/lsblk.ts';
import type { ApplyContext } from './context.ts';

export type BlockNode = LsblkNode;

/** Parse `lsblk -J -p -o NAME,TYPE,MOUNTPOINTS`; empty input (dry-run) gives no nodes. */
export function parseLsblk(json: string): BlockNode[] {
  return json.trim() ? parseLsblkTree(json) : [];
}

/** Every node below the given ones, deepest first (what must be released before its parent). */
export function descendantsDeepestFirst(nodes: BlockNode[]): BlockNode[] {
  const out: BlockNode[] = [];
  const walk = (n: BlockNode) => {
    for (const c of n.children) walk(c);
    out.push(n);
  };
  for (const n of nodes) for (const c of n.children) walk(c);
  return out;
}

export async function lsblkTree(ctx: ApplyContext, device: string): Promise<BlockNode[]> {
  const r = await ctx.runner.run(['lsblk', '-J', '-p', '-o', 'NAME,TYPE,MOUNTPOINTS', device], {
    reject: false,
  });
  if (r.exitCode !== 0) return [];
  return parseLsblk(r.stdout);
}

/** Mountpoints at or below `root`, deepest first, from `findmnt -rn -o TARGET` output. */
export function mountsUnder(findmntOutput: string, root: string): string[] {
  const base = root.replace(/\/+$/, '') || '/';
  return findmntOutput
    .split('\n')
    .map((l) => l.trim().replace(/\\x20/g, ' '))
    .filter((t) => t && (t === base || t.startsWith(base === '/' ? '/' : base + '/')))
    .filter((t, i, all) => all.indexOf(t) === i)
    .sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Wait until each path is a block device. There is no udev on every machine we run on (docs/design.md §5):
 * devtmpfs creates the node when the kernel adds the partition, so polling is enough.
 */
export async function waitForBlockDevices(
  ctx: ApplyContext,
  paths: string[],
  timeoutMs = ctx.deviceTimeoutMs,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let missing = [...paths];
  for (;;) {
    // all present (the usual case): one process instead of one per path
    if (missing.length > 1) {
      const all = await ctx.runner.run(
        ['test', ...missing.flatMap((p, i) => [...(i > 0 ? ['-a'] : []), '-b', p])],
        { reject: false },
      );
      if (all.exitCode === 0) return [];
    }
    const still: string[] = [];
    for (const p of missing) {
      const r = await ctx.runner.run(['test', '-b', p], { reject: false });
      if (r.exitCode !== 0) still.push(p);
    }
    missing = still;
    if (missing.length === 0 || Date.now() >= deadline) return missing;
    await sleep(100);
  }
}
