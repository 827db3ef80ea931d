// Bounds checked on the answer text before the TOML parser sees it. The parser's time grows with
// the square of a key's dotted parts (`a.a.a.... = 1`, `[a.a.a....]`); a real answer file has at
// most 4, so a line with more dots outside strings than MAX_KEY_PARTS is refused at once.
import type { Issue } from '../../lib/errors.ts';

export const MAX_KEY_PARTS = 16;

/** The first line with more than `max` dots outside strings and comments, as an issue; else null. */
export function tooManyDots(text: string, max = MAX_KEY_PARTS): Issue | null {
  let line = 1;
  let dots = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      dots = 0;
      i++;
    } else if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      const triple = text.startsWith(c.repeat(3), i);
      const close = triple ? c.repeat(3) : c;
      i += close.length;
      while (i < n && !text.startsWith(close, i)) {
        if (text[i] === '\n') {
          if (!triple) break; // an unterminated string is the parser's to report
          line++;
          dots = 0;
        }
        i += c === '"' && text[i] === '\\' ? 2 : 1;
      }
      i += close.length;
    } else {
      if (c === '.' && ++dots > max) {
        return {
          path: `line ${line}`,
          message: `a key with more than ${max} dotted parts; an answer file needs at most 4 (e.g. network.interface-name-pinning.mapping)`,
        };
      }
      i++;
    }
  }
  return null;
}

/**
 * Size minima in GiB: the one definition the schema (validate, the editors' JSON Schema) and the
 * planner (plan/sizing.ts) both use, so an editor never accepts what the planner refuses.
 */
export const SIZE_MINIMA_GIB = {
  /** lvm.hdsize / btrfs.hdsize: the whole install */
  hdsize: 8,
  /** lvm.maxroot: the root volume */
  maxroot: 4,
} as const;

/** A real answer file has tens of lines; parsing tens of thousands of keys alone takes a second. */
export const MAX_LINES = 5000;

export function tooManyLines(text: string, max = MAX_LINES): Issue | null {
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  return lines > max
    ? {
        path: 'answer file',
        message: `has ${lines} lines; an answer file has a few dozen (at most ${max} are read)`,
      }
    : null;
}

/** An answer file is read up to this many bytes (real ones are a few KiB): a FIFO, /dev/zero or a
 * 50 MB file is refused, never read whole. */
export const MAX_ANSWER_BYTES = 1024 * 1024;
