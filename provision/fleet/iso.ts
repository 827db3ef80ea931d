// The ISO's files, served from the ISO itself: their extents (start, size) are read with xorriso's
// `-find ... -exec report_lba` and served as byte ranges of the ISO file (no mount, no copy).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
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
/** the installer's payload (and its recorded uncompressed size), streamed by the installer */
export const PAYLOAD_FILES = ['/openve/payload.tar.zst', '/openve/payload.tar.zst.size'] as const;

/** The live layers (squashfs files of /live, in name order, as live-boot stacks them on the medium). */
export function liveLayers(extents: ReadonlyMap<string, Extent>): string[] {
  return [...extents.keys()]
    .filter((p) => /^\/live\/[^/]+\.squashfs$/.test(p))
    .map((p) => p.slice('/live/'.length))
    .sort();
}

export async function readIsoExtents(
  runner: CommandRunner,
  iso: string,
): Promise<Map<string, Extent>> {
  const r = await runner.run(
    // the whole tree: a -find of a directory the ISO lacks (/openve on a test ISO) fails xorriso
    ['xorriso', '-indev', iso, '-find', '/', '-type', 'f', '-exec', 'report_lba', '--'],
    { timeoutMs: 60_000, quietOutput: true },
  );
  const extents = parseReportLba(r.stdout + '\n' + r.stderr);
  const missing = BOOT_FILES.filter((f) => !extents.has(f));
  if (missing.length)
    throw new Error(`${iso}: not an openve ISO (no ${missing.join(', ')} in one extent)`);
  if (!liveLayers(extents).length)
    throw new Error(`${iso}: not an openve ISO (no /live/*.squashfs in one extent)`);
  return extents;
}

/** The sha256 (hex) of one file of the ISO, read from its extent. */
export async function extentSha256(iso: string, extent: Extent): Promise<string> {
  const h = createHash('sha256');
  if (extent.size === 0) return h.digest('hex');
  for await (const chunk of createReadStream(iso, {
    start: extent.start,
    end: extent.start + extent.size - 1,
    highWaterMark: 1 << 20,
  }))
    h.update(chunk as Buffer);
  return h.digest('hex');
}
