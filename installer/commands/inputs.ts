// The file arguments of prepare-iso, plan, auto and build-iso, checked in one place: every problem
// at once (`--flag: path: message`, exit 1), and never a hang or an unbounded read. A file is
// opened O_NONBLOCK and fstat'ed before any byte is read, so a FIFO without a writer, /dev/zero, a
// terminal or a directory is refused at once; text files (answer files, hardware fixtures) are
// read through the answer file's bounded reader (MAX_ANSWER_BYTES) and must be strict UTF-8.
import { accessSync, closeSync, constants, fstatSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError, type Issue } from '../../lib/errors.ts';
import { kindOf, unreadableReason } from '../../lib/fs.ts';
import { decodeAnswerBytes, MAX_ANSWER_BYTES, readBoundedFile } from '../answers/read.ts';

export type FileArgKind =
  /** a text file read whole (answer, hardware fixture): bounded, strict UTF-8 */
  | 'text'
  /** a file read by another tool (an ISO, a payload, a hook script): regular and readable */
  | 'file'
  /** a file to be written: its directory exists and is writable, it is not a directory */
  | 'output'
  /** like 'output', but missing directories on the way are created (build-iso --out dist/x.iso) */
  | 'output-mkdir';

export interface FileArg {
  flag: string;
  file: string | undefined;
  kind: FileArgKind;
  /** what the file should be, after a refusal: `(expected an answer file in TOML)` */
  expected?: string;
}

export const ANSWER_FILE = 'an answer file in TOML';
export const HARDWARE_FILE = "a JSON file written by 'openve-install detect --json'";

function openReason(err: unknown): string {
  const code = (err as { code?: string } | null)?.code;
  if (code === 'ENXIO') return 'is not a regular file';
  if (code === 'EACCES') return 'not readable (permission denied)';
  return unreadableReason(err);
}

/** Why `file` cannot be read as a regular file, or null. Never blocks, never reads a byte. */
export function unreadableFile(file: string): string | null {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    return openReason(err);
  }
  try {
    const st = fstatSync(fd);
    return st.isFile() ? null : kindOf(st);
  } catch (err) {
    return openReason(err);
  } finally {
    closeSync(fd);
  }
}

/**
 * Why `file` cannot be written, or null. Only a regular file (or none yet) is ever written: a
 * directory, a device (`--log /dev/sda` would overwrite a disk), a FIFO (a hang) or a socket is
 * refused. Its directory must exist and be writable; with `createParent` (build-iso creates
 * `dist/`) the nearest existing ancestor must be a writable directory instead.
 */
export function unwritableFile(file: string, opts: { createParent?: boolean } = {}): string | null {
  let exists = false;
  try {
    const st = statSync(file); // follows links: a link to a device is a device; opens nothing
    exists = true;
    if (!st.isFile()) return kindOf(st);
  } catch (err) {
    const code = (err as { code?: string } | null)?.code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') return unreadableReason(err);
  }
  if (exists) {
    try {
      accessSync(file, constants.W_OK);
    } catch {
      return 'not writable (permission denied)';
    }
  }
  // up from the file's directory to the first that exists: it must be a directory; a missing one
  // on the way is an error unless it will be created
  const parent = path.dirname(path.resolve(file));
  let dir = parent;
  for (;;) {
    try {
      if (!statSync(dir).isDirectory()) return `${dir} is not a directory`;
      break;
    } catch (err) {
      const code = (err as { code?: string } | null)?.code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && path.dirname(dir) !== dir) {
        dir = path.dirname(dir);
        continue;
      }
      return `directory ${dir}: ${unreadableReason(err)}`;
    }
  }
  if (dir !== parent && !opts.createParent) return `directory ${parent} does not exist`;
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    return `directory ${dir} is not writable`;
  }
  return null;
}

/** Reads a text argument: bounded, strict UTF-8; a UserError `--flag: file: message` otherwise. */
export function readTextArg(flag: string, file: string, maxBytes = MAX_ANSWER_BYTES): string {
  const bytes = readBoundedFile(file, maxBytes, flag);
  const decoded = decodeAnswerBytes(bytes);
  if (!decoded.ok)
    throw new UserError(
      decoded.issues.map((i) => ({
        path: flag,
        message: `${file}: ${i.path}: ${i.message.replace('the answer file is ', '')}`,
      })),
    );
  return decoded.value;
}

/** Every problem of every given file argument (absent ones are skipped), in argument order. */
export function checkFileArgs(args: FileArg[]): Issue[] {
  const issues: Issue[] = [];
  for (const a of args) {
    if (a.file === undefined) continue;
    if (a.file === '') {
      issues.push({ path: a.flag, message: 'empty file name' });
      continue;
    }
    const why =
      a.kind === 'output' || a.kind === 'output-mkdir'
        ? unwritableFile(a.file, { createParent: a.kind === 'output-mkdir' })
        : unreadableFile(a.file);
    if (why) {
      const hint = a.expected ? ` (expected ${a.expected})` : '';
      issues.push({ path: a.flag, message: `${a.file}: ${why}${hint}` });
      continue;
    }
    if (a.kind === 'text') {
      try {
        readTextArg(a.flag, a.file);
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        issues.push(...err.issues);
      }
    }
  }
  return issues;
}

/** checkFileArgs plus other problems found by the caller: one UserError with all of them. */
export function assertFileArgs(args: FileArg[], more: Issue[] = []): void {
  const issues = [...more, ...checkFileArgs(args)];
  if (issues.length) throw new UserError(issues);
}
