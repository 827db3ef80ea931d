// Read-only access to /proc, /sys, /dev and /run, rooted at `root` so tests can replay a recorded
// tree from a directory. Every read answers null/false/[] instead of throwing: a missing sysfs
// attribute is normal (virtio disks have no model, a NIC that is down has no carrier).
import { access, readFile, readdir, readlink, realpath } from 'node:fs/promises';
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

export function hostReader(root = '/'): SysReader {
  const abs = (p: string) => path.join(root, p);
  const inside = (p: string) => (root === '/' ? p : '/' + path.relative(root, p));
  return {
    text: (p) => readFile(abs(p), 'utf8').catch(() => null),
    bytes: (p) => readFile(abs(p)).catch(() => null),
    exists: (p) => access(abs(p)).then(() => true, () => false),
    list: (p) => readdir(abs(p)).catch(() => []),
    link: (p) => readlink(abs(p)).catch(() => null),
    real: (p) => realpath(abs(p)).then(inside, () => null),
  };
}

/** trimmed text, '' when missing */
export async function attr(sys: SysReader, p: string): Promise<string> {
  return ((await sys.text(p)) ?? '').replace(/\0/g, '').trim();
}
