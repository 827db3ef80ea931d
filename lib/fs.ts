// File helpers every area uses: an atomic write, and the one wording for a file that cannot be read.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from './errors.ts';

/** Writes atomically (temp + rename) with the given mode, creating the directory. */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

/** The stat of a path that is not a regular file. */
export interface NotAFile {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}

/** What a path is when it is not a regular file, in the words every command uses. */
export function kindOf(st: NotAFile): string {
  if (st.isDirectory()) return 'is a directory';
  if (st.isFIFO()) return 'is a pipe (FIFO), not a regular file';
  if (st.isCharacterDevice()) return 'is a character device, not a regular file';
  if (st.isBlockDevice()) return 'is a block device, not a regular file';
  if (st.isSocket()) return 'is a socket, not a regular file';
  return 'is not a regular file';
}

/** Why a read failed, in the words every command uses: `no such file`, `is a directory`, ... */
export function unreadableReason(err: unknown): string {
  const code = (err as { code?: string } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES') return 'permission denied';
  return `cannot read (${code ?? String(err)})`;
}

/** Reads a text file the user named; failure is a UserError `flag: FILE: reason[; hint]`. */
export function readUserFile(file: string, flag: string, hint?: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError({
      path: flag,
      message: `${file}: ${unreadableReason(err)}${hint ? `; ${hint}` : ''}`,
    });
  }
}
