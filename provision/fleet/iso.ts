// The ISO's files, served from the ISO itself: their extents (start, size) are read with xorriso's
// `-find ... -exec report_lba` and served as byte ranges of the ISO file (no mount, no copy).
import type { CommandRunner } from '../../lib/exec/index.ts';

export interface Extent {
  /** byte offset in the ISO */
  start: number;
  size: number;
}

const BLOCK = 2048;

/**
 * Pure: xorriso report_lba lines -> path -> extent. A line looks like
 * `File data lba:  0 ,    33417 ,     2731 ,    5591264 , '/live/vmlinuz'`
 * (extent number, start block, blocks, file size, path); files in one extent only.
 */
export function parseReportLba(text: string): Map<string, Extent> {
  const out = new Map<string, Extent>();
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^File data lba:\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*'(.*)'\s*$/.exec(
      line,
    );
    if (!m) continue;
    const path = m[5]!;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    out.set(path, { start: Number(m[2]) * BLOCK, size: Number(m[4]) });
  }
  for (const [path, n] of counts) if (n > 1) out.delete(path); // multi-extent: not served
  return out;
}

export const BOOT_FILES = ['/live/vmlinuz', '/live/initrd.img'] as const;

export async function readIsoExtents(
  runner: CommandRunner,
  iso: string,
): Promise<Map<string, Extent>> {
  const r = await runner.run(
    ['xorriso', '-indev', iso, '-find', '/live', '-type', 'f', '-exec', 'report_lba', '--'],
    { timeoutMs: 60_000, quietOutput: true },
  );
  const extents = parseReportLba(r.stdout + '\n' + r.stderr);
  const missing = BOOT_FILES.filter((f) => !extents.has(f));
  if (missing.length)
    throw new Error(`${iso}: not an openve ISO (no ${missing.join(', ')} in one extent)`);
  return extents;
}
