// Files for the target as one in-memory ustar archive, unpacked by a single `tar -x` through the
// runner: one process for all of a step's files instead of two (`install` + `dd`) per file, which
// under QEMU TCG cost ~0.2 s each. Content travels on stdin, so secrets never reach an argv.
// Headers come from node-tar's Header; the body layout (512-byte blocks, two zero blocks at the
// end) is the ustar format GNU tar reads.
import { Header } from 'tar/header';

export interface ArchiveEntry {
  /** absolute path inside the extraction root: '/etc/hostname' */
  path: string;
  /** octal string: '0644' */
  mode: string;
  type: 'file' | 'dir' | 'symlink';
  content?: string;
  /** symlink target (type 'symlink') */
  target?: string;
}

const BLOCK = 512;

export function archiveOf(entries: readonly ArchiveEntry[], mtime: Date): Uint8Array {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const rel = e.path.replace(/^\/+/, '');
    if (!rel || rel.split('/').includes('..'))
      throw new Error(`archive: path ${JSON.stringify(e.path)} is not inside the target`);
    const body = e.type === 'file' ? Buffer.from(e.content ?? '', 'utf8') : Buffer.alloc(0);
    const header = new Header({
      path: e.type === 'dir' ? `${rel}/` : rel,
      mode: parseInt(e.mode, 8),
      uid: 0,
      gid: 0,
      uname: 'root',
      gname: 'root',
      size: body.length,
      mtime,
      type: e.type === 'file' ? 'File' : e.type === 'dir' ? 'Directory' : 'SymbolicLink',
      ...(e.type === 'symlink' ? { linkpath: e.target ?? '' } : {}),
    });
    const block = Buffer.alloc(BLOCK);
    if (header.encode(block, 0))
      throw new Error(`archive: ${e.path} needs a pax header (path or link too long)`);
    parts.push(block, body, Buffer.alloc((BLOCK - (body.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/** argv that unpacks archiveOf()'s output from stdin into root, keeping modes and root ownership. */
export function unpackArgv(root: string): string[] {
  return ['tar', '-x', '-p', '--numeric-owner', '-C', root, '-f', '-'];
}

/** The entries of an archiveOf() archive (tests, and anyone checking what a step would write). */
export function listArchive(data: Uint8Array): (ArchiveEntry & { uid: number; gid: number })[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out: (ArchiveEntry & { uid: number; gid: number })[] = [];
  for (let off = 0; off + BLOCK <= buf.length;) {
    const h = new Header(buf, off);
    if (h.nullBlock) break;
    const size = h.size ?? 0;
    const body = buf.subarray(off + BLOCK, off + BLOCK + size).toString('utf8');
    const type = h.type === 'Directory' ? 'dir' : h.type === 'SymbolicLink' ? 'symlink' : 'file';
    out.push({
      path: `/${(h.path ?? '').replace(/\/$/, '')}`,
      mode: `0${((h.mode ?? 0) & 0o7777).toString(8)}`,
      type,
      ...(type === 'file' ? { content: body } : {}),
      ...(type === 'symlink' ? { target: h.linkpath ?? '' } : {}),
      uid: h.uid ?? -1,
      gid: h.gid ?? -1,
    });
    off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return out;
}
