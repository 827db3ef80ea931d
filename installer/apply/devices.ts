// Block-device facts the handlers need at apply time (what is mounted or active on a disk right
// now, whether the kernel shows a partition yet). All through the runner, so dry-run sees nothing.
import type { ApplyContext } from './context.ts';

export interface BlockNode {
  name: string;
  type: string;
  mountpoints: string[];
  children: BlockNode[];
}

/** Parse `lsblk -J -p -o NAME,TYPE,MOUNTPOINTS`; empty input (dry-run) gives no nodes. */
export function parseLsblk(json: string): BlockNode[] {
  if (!json.trim()) return [];
  type Raw = { name?: string; type?: string; mountpoints?: (string | null)[]; mountpoint?: string | null; children?: Raw[] };
  const doc = JSON.parse(json) as { blockdevices?: Raw[] };
  const conv = (r: Raw): BlockNode => ({
    name: r.name ?? '',
    type: r.type ?? '',
    mountpoints: (r.mountpoints ?? [r.mountpoint ?? null]).filter((m): m is string => typeof m === 'string' && m !== ''),
    children: (r.children ?? []).map(conv),
  });
  return (doc.blockdevices ?? []).map(conv);
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
  const r = await ctx.runner.run(['lsblk', '-J', '-p', '-o', 'NAME,TYPE,MOUNTPOINTS', device], { reject: false });
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
 * Wait until each path is a block device. There is no udev on every machine we run on (DESIGN 5):
 * devtmpfs creates the node when the kernel adds the partition, so polling is enough.
 */
export async function waitForBlockDevices(ctx: ApplyContext, paths: string[], timeoutMs = ctx.deviceTimeoutMs): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let missing = [...paths];
  for (;;) {
    // all present (the usual case): one process instead of one per path
    if (missing.length > 1) {
      const all = await ctx.runner.run(['test', ...missing.flatMap((p, i) => [...(i > 0 ? ['-a'] : []), '-b', p])], { reject: false });
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
