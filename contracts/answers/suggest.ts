// "Did you mean" for typos in keys and enum values.

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions ('fqnd' -> 'fqdn' = 1). */
function distance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = Array.from({ length: rows * cols }, (_, k) =>
    k < cols ? k : k % cols === 0 ? k / cols : 0,
  );
  const at = (i: number, j: number) => d[i * cols + j]!;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * cols + j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The closest candidate if it is close enough to be a plausible typo, else undefined. */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  const needle = input.toLowerCase().replaceAll('_', '-');
  const list = [...candidates];
  const exact = list.find((c) => c.toLowerCase() === needle);
  if (exact !== undefined) return exact;
  // 'us' -> 'en-us': the input is one part of a hyphenated candidate
  const part = list.filter((c) => c.toLowerCase().split(/[-/]/).includes(needle));
  if (part.length === 1) return part[0];
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of list) {
    const score = distance(needle, c.toLowerCase());
    if (score < bestScore) {
      bestScore = score;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.min(3, Math.floor(Math.max(needle.length, best.length) / 3)));
  return bestScore <= limit ? best : undefined;
}

/** ` (did you mean 'x'?)` or '' */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const c = closest(input, candidates);
  return c === undefined ? '' : ` (did you mean '${c}'?)`;
}
