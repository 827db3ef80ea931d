// Shell-style globs for udev filters, as Proxmox matches them: `*` (any run of characters, `/`
// included), `?` (one character), `[abc]`, `[a-z]`, `[!abc]` / `[^abc]` (`]` first in a set is
// literal; a `[` without its `]` is a literal `[`), case-sensitive, over the whole value.
// Matched directly, never through a RegExp: the classic iterative matcher backtracks only to the
// last `*`, so a match costs at most O(pattern x value) steps for ANY pattern (a regex built from
// `*a*a*a*...` backtracks exponentially on a long udev link).

type Token =
  | { kind: 'star' }
  | { kind: 'any' }
  | { kind: 'char'; c: string }
  | { kind: 'set'; negate: boolean; ranges: [string, string][] };

export interface CompiledGlob {
  tokens: Token[];
  /** why the glob is invalid (a reversed range), or null */
  problem: string | null;
}

const codePoint = (c: string): number => c.codePointAt(0)!;

/** Parses a glob into tokens; a problem (e.g. `[z-a]`) is reported, never thrown. */
export function compileGlob(glob: string): CompiledGlob {
  const chars = [...glob];
  const tokens: Token[] = [];
  let problem: string | null = null;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' }); // `**` = `*`
    } else if (c === '?') tokens.push({ kind: 'any' });
    else if (c === '[') {
      let j = i + 1;
      const negate = chars[j] === '!' || chars[j] === '^';
      if (negate) j++;
      const start = j;
      let end = -1;
      for (let k = start + 1; k < chars.length; k++) {
        if (chars[k] === ']') {
          end = k;
          break;
        }
      }
      if (end === -1) {
        tokens.push({ kind: 'char', c });
        continue;
      }
      const body = chars.slice(start, end);
      const ranges: [string, string][] = [];
      for (let k = 0; k < body.length; k++) {
        const lo = body[k]!;
        if (body[k + 1] === '-' && k + 2 < body.length) {
          const hi = body[k + 2]!;
          if (codePoint(lo) > codePoint(hi)) {
            problem ??= `the range '${lo}-${hi}' in '[${negate ? chars[i + 1] : ''}${body.join('')}]' is reversed; write '${hi}-${lo}'`;
          }
          ranges.push([lo, hi]);
          k += 2;
        } else ranges.push([lo, lo]);
      }
      tokens.push({ kind: 'set', negate, ranges });
      i = end;
    } else tokens.push({ kind: 'char', c });
  }
  return { tokens, problem };
}

function matchesOne(t: Token, c: string): boolean {
  switch (t.kind) {
    case 'any':
      return true;
    case 'char':
      return t.c === c;
    case 'set': {
      const cp = codePoint(c);
      const inSet = t.ranges.some(([lo, hi]) => cp >= codePoint(lo) && cp <= codePoint(hi));
      return inSet !== t.negate;
    }
    default:
      return false;
  }
}

/** Whether `value` matches the compiled glob as a whole; O(tokens x characters) in the worst case. */
export function matchCompiled(glob: CompiledGlob, value: string): boolean {
  const { tokens } = glob;
  const s = [...value];
  let p = 0;
  let i = 0;
  let starP = -1;
  let starI = 0;
  while (i < s.length) {
    const t = tokens[p];
    if (t?.kind === 'star') {
      starP = p++;
      starI = i;
    } else if (t !== undefined && matchesOne(t, s[i]!)) {
      p++;
      i++;
    } else if (starP >= 0) {
      // the last `*` takes one more character; earlier stars never need to be revisited
      p = starP + 1;
      i = ++starI;
    } else return false;
  }
  while (tokens[p]?.kind === 'star') p++;
  return p === tokens.length;
}

/** Whether `value` matches `glob` as a whole. An invalid glob (see globProblem) matches nothing. */
export function globMatch(glob: string, value: string): boolean {
  const compiled = compileGlob(glob);
  return compiled.problem === null && matchCompiled(compiled, value);
}

/** Why `glob` is not a valid filter glob, or null. */
export function globProblem(glob: string): string | null {
  return compileGlob(glob).problem;
}
