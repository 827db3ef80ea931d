// The udev filter glob matcher (issue 10 §2): same answers as a naive reference on small inputs,
// bounded time on many-`*` patterns against long udev links, reversed ranges a validation error.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileGlob, globMatch, globProblem } from '../../../installer/answers/glob.ts';
import { matchesFilter } from '../../../installer/plan/match.ts';

/** Reference: the glob semantics written as plain recursion (exponential; small inputs only). */
function reference(glob: string[], s: string[]): boolean {
  if (glob.length === 0) return s.length === 0;
  const [g, ...rest] = glob;
  if (g === '*') return reference(rest, s) || (s.length > 0 && reference(glob, s.slice(1)));
  if (s.length === 0) return false;
  if (g === '?') return reference(rest, s.slice(1));
  if (g === '[') {
    const close = glob.indexOf(']', glob[1] === '!' || glob[1] === '^' ? 3 : 2);
    if (close > 0) {
      const negate = glob[1] === '!' || glob[1] === '^';
      const body = glob.slice(negate ? 2 : 1, close);
      let hit = false;
      for (let k = 0; k < body.length; k++) {
        if (body[k + 1] === '-' && k + 2 < body.length) {
          hit ||= s[0]! >= body[k]! && s[0]! <= body[k + 2]!;
          k += 2;
        } else hit ||= s[0] === body[k];
      }
      return hit !== negate && reference(glob.slice(close + 1), s.slice(1));
    }
  }
  return g === s[0] && reference(rest, s.slice(1));
}

describe('globMatch', () => {
  it.each([
    ['Samsung*', 'Samsung SSD 870', true],
    ['*', '', true],
    ['?', '', false],
    ['[]]', ']', true],
    ['[!]]', 'a', true],
    ['[a', '[a', true],
    ['sd[a-c]', 'sdc', true],
    ['sd[^a-c]', 'sdc', false],
    ['*-part[0-9]', 'disk/by-id/ata-X-part3', true],
    ['pci-*-ata-?', 'pci-0000:00:1f.2-ata-1', true],
    ['ü*', 'ü€', true],
  ] as const)('%s vs %s -> %s', (glob, value, want) => expect(globMatch(glob, value)).toBe(want));

  it('agrees with the reference on every small pattern and value', () => {
    const glob = fc.array(fc.constantFrom('a', 'b', '-', '*', '?', '[', ']', '!', '^'), {
      maxLength: 8,
    });
    const value = fc.array(fc.constantFrom('a', 'b', '-', '[', ']', '!'), { maxLength: 8 });
    fc.assert(
      fc.property(glob, value, (g, v) => {
        if (globProblem(g.join('')) !== null) return true; // reversed ranges are refused, not matched
        expect(globMatch(g.join(''), v.join(''))).toBe(reference(g, v));
        return true;
      }),
      { numRuns: 5000 },
    );
  });

  it('runs in bounded time for many-* patterns on long udev links', () => {
    const links = Array.from(
      { length: 40 },
      (_, i) => `/dev/disk/by-path/pci-0000:00:1f.${i}-ata-${i}-part${i}`,
    ).join(' ');
    const value = `${links} ${'a'.repeat(4000)}`; // ~6 KB, like DEVLINKS of a disk with many partitions
    const patterns = [
      `${'*a'.repeat(60)}*b`,
      `${'*?'.repeat(100)}x`,
      `*${'[a-z]*'.repeat(50)}!`,
      `${'*-'.repeat(80)}*Z`,
    ];
    for (const p of patterns) {
      const t0 = performance.now();
      expect(globMatch(p, value)).toBe(false);
      // O(pattern x value) = at most ~1.2M steps; a backtracking regex takes seconds to forever here
      expect(performance.now() - t0, p.slice(0, 20)).toBeLessThan(250);
    }
  });

  it('a reversed range is a validation problem, never a crash', () => {
    expect(globProblem('sd[z-a]')).toBe("the range 'z-a' in '[z-a]' is reversed; write 'a-z'");
    expect(globProblem('sd[!9-0]')).toBe("the range '9-0' in '[!9-0]' is reversed; write '0-9'");
    expect(globProblem('sd[a-z]*')).toBeNull();
    expect(() => matchesFilter({ ID_MODEL: 'x' }, { ID_MODEL: '[z-a]' }, 'any')).not.toThrow();
    expect(matchesFilter({ ID_MODEL: 'x' }, { ID_MODEL: '[z-a]' }, 'any')).toBe(false);
    expect(compileGlob('a**b').tokens).toHaveLength(3);
  });
});
