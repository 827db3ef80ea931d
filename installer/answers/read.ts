// Reading an answer file from disk, bounded: at most MAX_ANSWER_BYTES are ever read, only regular
// files are read (a FIFO, /dev/zero or a terminal would hang or fill memory), and the bytes must be
// valid UTF-8 (a lossy decode would silently change a password). Problems are UserErrors naming
// the file, or issues positioned by line and column.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { UserError, type Result } from '../../lib/errors.ts';
import { kindOf, unreadableReason, type NotAFile } from '../../lib/fs.ts';

/** A real answer file is a few KiB; anything this big is a mistake or an attack. */
import { MAX_ANSWER_BYTES } from '../../contracts/answers/limits.ts';

export { MAX_ANSWER_BYTES };

/** lib/fs.ts's wording; a FIFO gets a hint (`openve-install validate <(curl ...)` is a pipe) */
const notAFile = (st: NotAFile): string =>
  st.isFIFO() ? `${kindOf(st)}; save the answer to a file first` : kindOf(st);

/** lib/fs.ts's wording (`no such file`, `is a directory`, ...); ENXIO is what opening a socket gives. */
function openError(err: unknown): string {
  const code = (err as { code?: string } | null)?.code;
  if (code === 'ENXIO') return 'is not a regular file';
  return unreadableReason(err);
}

/** The raw bytes of a regular file of at most `maxBytes`; never reads more than maxBytes + 1. */
export function readBoundedFile(file: string, maxBytes = MAX_ANSWER_BYTES, label = file): Buffer {
  const say = (message: string) => ({
    path: label,
    message: label === file ? message : `${file}: ${message}`,
  });
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO without a writer must not block before fstat can refuse it
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw new UserError(say(`${openError(err)} (expected an answer file in TOML)`));
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UserError(say(`${notAFile(st)} (expected an answer file in TOML)`));
    if (st.size > maxBytes) throw new UserError(say(tooLarge(st.size, maxBytes)));
    // /proc files report size 0, and a file may grow while read: the loop caps what is read
    const buf = Buffer.alloc(maxBytes + 1);
    let used = 0;
    for (;;) {
      const n = readSync(fd, buf, used, buf.length - used, null);
      if (n === 0) break;
      used += n;
      if (used > maxBytes) throw new UserError(say(tooLarge(null, maxBytes)));
    }
    return buf.subarray(0, used);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(say(`${openError(err)} (expected an answer file in TOML)`));
  } finally {
    closeSync(fd);
  }
}

function tooLarge(size: number | null, max: number): string {
  const has = size === null ? 'more than that' : `${size} bytes`;
  return `too large for an answer file: at most ${max} bytes (1 MiB) are read, this one has ${has}`;
}

/** Byte offset of the first byte that does not start a valid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    }
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    if (i + need >= bytes.length) return i; // truncated sequence at the end
    let cp = b & (0xff >> (need + 2));
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    // overlong forms, UTF-16 surrogates and code points beyond U+10FFFF are not UTF-8
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i;
    i += need + 1;
  }
  return -1;
}

/** UTF-8 bytes -> text (a leading byte-order mark dropped); invalid bytes are an issue with line and column. */
export function decodeAnswerBytes(bytes: Uint8Array): Result<string> {
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const before = Buffer.from(bytes.subarray(0, bad)).toString('utf8');
    const lineStart = before.lastIndexOf('\n') + 1;
    const line = before.split('\n').length;
    const column = [...before.slice(lineStart)].length + 1;
    const hex = bytes[bad]!.toString(16).padStart(2, '0');
    return {
      ok: false,
      issues: [
        {
          path: `line ${line}, column ${column}`,
          message: `the answer file is not valid UTF-8 (byte 0x${hex}); save it as UTF-8 (e.g. iconv -f latin1 -t utf-8)`,
        },
      ],
    };
  }
  const text = Buffer.from(bytes).toString('utf8');
  return { ok: true, value: text.startsWith('\ufeff') ? text.slice(1) : text };
}

/** A bounded, strictly decoded answer file; every problem is a UserError naming the file. */
export function readAnswerText(file: string, label = file): string {
  const decoded = decodeAnswerBytes(readBoundedFile(file, MAX_ANSWER_BYTES, label));
  if (!decoded.ok)
    throw new UserError(
      decoded.issues.map((i) => ({ path: `${file}: ${i.path}`, message: i.message })),
    );
  return decoded.value;
}
