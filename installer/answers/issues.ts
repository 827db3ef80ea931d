// zod issues -> our Issues: `path: message` with TOML key paths, one issue per unknown key with a
// "did you mean", unions reduced to the branch the user evidently meant. Messages never echo the
// value of a field of the wrong type (it might be a password).
import type * as core from 'zod/v4/core';
import type { Issue } from '../../lib/errors.ts';
import { formatPath, type PathSegment } from './paths.ts';
import { closest, didYouMean } from '../../contracts/answers/suggest.ts';
import { quote } from '../../contracts/answers/validators.ts';

type ZodIssue = core.$ZodIssue;
type RawIssue = core.$ZodRawIssue;

export function describeType(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  if (input instanceof Date || typeof input === 'symbol') return 'a date'; // parse.ts turns TOML dates into a symbol
  switch (typeof input) {
    case 'string':
      return 'a string';
    case 'number':
      if (Number.isNaN(input)) return 'nan';
      if (!Number.isFinite(input)) return input > 0 ? 'inf' : '-inf';
      return Number.isInteger(input) ? 'an integer' : 'a number';
    case 'bigint':
      return 'an integer';
    case 'boolean':
      return 'true/false';
    case 'object':
      return 'a table';
    default:
      return typeof input;
  }
}

const MISSING = 'required, but missing';

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a table',
  record: 'a table',
  array: 'an array',
};

/** Per-parse zod error map: our wording for the generic issue kinds. */
export function errorMap(iss: RawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return MISSING;
      if (typeof iss.input === 'number' && !Number.isFinite(iss.input)) return `expected a finite number, got ${describeType(iss.input)}`;
      return `expected ${EXPECTED[iss.expected] ?? iss.expected}, got ${describeType(iss.input)}`;
    case 'invalid_value': {
      if (iss.input === undefined) return MISSING;
      const values = iss.values.map(String);
      if (typeof iss.input !== 'string') return `expected one of ${values.join(', ')}, got ${describeType(iss.input)}`;
      return `${quote(iss.input)} is not valid${didYouMean(iss.input, values)}; expected one of ${values.join(', ')}`;
    }
    case 'too_small':
      if (Number(iss.minimum) <= Number.MIN_SAFE_INTEGER) return 'is too small';
      if (iss.origin === 'number' || iss.origin === 'int') return `must be ${iss.inclusive ? 'at least' : 'greater than'} ${String(iss.minimum)}`;
      if (iss.origin === 'array') return `needs at least ${String(iss.minimum)} entries`;
      return undefined;
    case 'too_big':
      if (Number(iss.maximum) >= Number.MAX_SAFE_INTEGER) return 'is too large';
      if (iss.origin === 'number' || iss.origin === 'int') return `must be ${iss.inclusive ? 'at most' : 'less than'} ${String(iss.maximum)}`;
      return undefined;
    default:
      return undefined;
  }
}

/** Keys allowed in the strict table at `path`, found by walking the schema. */
function keysAt(schema: core.$ZodType, path: readonly PathSegment[]): string[] {
  let node: core.$ZodType | undefined = schema;
  const unwrap = (n: core.$ZodType | undefined): core.$ZodType | undefined => {
    let cur = n;
    for (let i = 0; cur && i < 10; i++) {
      const def = cur._zod.def as { type: string; innerType?: core.$ZodType };
      if ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable') && def.innerType) cur = def.innerType;
      else break;
    }
    return cur;
  };
  const objectIn = (n: core.$ZodType | undefined): core.$ZodType | undefined => {
    const u = unwrap(n);
    if (!u) return undefined;
    const def = u._zod.def as { type: string; options?: core.$ZodType[] };
    if (def.type === 'union') return def.options?.map(objectIn).find((o) => o !== undefined);
    return def.type === 'object' ? u : undefined;
  };
  for (const seg of path) {
    const obj = objectIn(node);
    if (!obj || typeof seg !== 'string') return [];
    node = (obj._zod.def as unknown as { shape: Record<string, core.$ZodType> }).shape[seg];
  }
  const obj = objectIn(node);
  return obj ? Object.keys((obj._zod.def as unknown as { shape: Record<string, unknown> }).shape) : [];
}

const UNION_HINTS: Record<string, string> = {
  'global.fqdn': 'expected a fully qualified domain name like "node1.example.com", or a table { source = "from-dhcp", domain = "example.com" }',
};

export function toIssues(schema: core.$ZodType, zodIssues: readonly ZodIssue[], prefix: PathSegment[] = []): Issue[] {
  const issues = collect(schema, zodIssues, prefix);
  // A misspelt required key gives "unknown key (did you mean 'x'?)"; "x: required" adds nothing.
  const suggested = new Set(issues.flatMap((i) => (i.suggests ? [i.suggests] : [])));
  return issues
    .filter((i) => !(i.message === MISSING && suggested.has(i.path)))
    .map(({ path, message }) => ({ path, message }));
}

type Collected = Issue & { suggests?: string };

function collect(schema: core.$ZodType, zodIssues: readonly ZodIssue[], prefix: PathSegment[]): Collected[] {
  const out: Collected[] = [];
  for (const iss of zodIssues) {
    const path = [...prefix, ...(iss.path as PathSegment[])];
    if (iss.code === 'unrecognized_keys') {
      const allowed = keysAt(schema, path);
      for (const key of iss.keys) {
        const suggestion = closest(key, allowed);
        out.push({
          path: formatPath([...path, key]),
          message: suggestion
            ? `unknown key (did you mean '${suggestion}'?)`
            : `unknown key; valid keys here: ${allowed.join(', ')}`,
          ...(suggestion ? { suggests: formatPath([...path, suggestion]) } : {}),
        });
      }
    } else if (iss.code === 'invalid_union') {
      // The branch the user meant is the one that did not fail on the value's type itself.
      const meant = iss.errors.filter((branch) => !branch.some((b) => b.code === 'invalid_type' && b.path.length === 0));
      const missing = iss.errors.every((branch) => branch.some((b) => b.path.length === 0 && b.message === MISSING));
      if (meant.length === 1) out.push(...collect(schema, meant[0]!, path));
      else if (missing) out.push({ path: formatPath(path), message: MISSING });
      else out.push({ path: formatPath(path), message: UNION_HINTS[formatPath(path)] ?? 'has the wrong type' });
    } else {
      out.push({ path: formatPath(path), message: iss.message });
    }
  }
  return out;
}
