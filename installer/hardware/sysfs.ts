// Read-only access to /proc, /sys, /dev and /run, rooted at `root` so tests can replay a recorded
// tree from a directory. Every read answers null/false/[] instead of throwing: a missing sysfs
// attribute is normal (virtio disks have no model, a NIC that is down has no carrier).
//
// The host reader is synchronous behind a Promise interface: sysfs and procfs live in memory, and a
// sync read costs microseconds where fs/promises costs four thread-pool round trips (measured: ~500
// reads took 50-250 ms async on a loaded 2-core machine). lsblk and ip run meanwhile, so detection
// still overlaps its subprocesses with its reads.
import { accessSync, readFileSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';

export interface SysReader {
  text(p: string): Promise<string | null>;
  bytes(p: string): Promise<Uint8Array | null>;
  exists(p: string): Promise<boolean>;
  list(p: string): Promise<string[]>;
  /** target of a symlink, as written in the link */
  link(p: string): Promise<string | null>;
  /** canonical path, expressed inside the root (`/sys/devices/...`) */
  real(p: string): Promise<string | null>;
}

function attempt<T>(fn: () => T, fallback: T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch {
    return Promise.resolve(fallback);
  }
}

export function hostReader(root = '/'): SysReader {
  const abs = (p: string) => (root === '/' ? p : path.join(root, p));
  const inside = (p: string) => (root === '/' ? p : '/' + path.relative(root, p));
  return {
    text: (p) => attempt<string | null>(() => readFileSync(abs(p), 'utf8'), null),
    bytes: (p) => attempt<Uint8Array | null>(() => readFileSync(abs(p)), null),
    exists: (p) =>
      attempt(() => {
        accessSync(abs(p));
        return true;
      }, false),
    list: (p) => attempt(() => readdirSync(abs(p)), [] as string[]),
    link: (p) => attempt<string | null>(() => readlinkSync(abs(p)), null),
    real: (p) => attempt<string | null>(() => inside(realpathSync(abs(p))), null),
  };
}

/** trimmed text, '' when missing */
export async function attr(sys: SysReader, p: string): Promise<string> {
  return ((await sys.text(p)) ?? '').replace(/\0/g, '').trim();
}
