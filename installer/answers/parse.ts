// Answer-file text -> validated, normalized Answers. Reports every problem at once (TOML syntax,
// schema, cross-field checks), each as `path: message`; never throws on any input.
import { parse as parseToml } from 'smol-toml';
import type {
  Answers,
  DiskAnswers,
  NetworkAnswers,
  BtrfsRaid,
  ClusterAnswers,
} from '../../contracts/answers/types.ts';
import { UserError, type Issue, type Result } from '../../lib/errors.ts';
import {
  answerFileSchema,
  SNAKE_CASE_ALIASES,
  type RawAnswerFile,
} from '../../contracts/answers/schema.ts';
import { crossCheck } from './checks.ts';
import { errorMap, toIssues } from './issues.ts';
import { diskKernelName } from '../../contracts/answers/validators.ts';
import { readAnswerText } from './read.ts';
import { tooManyDots, tooManyLines } from '../../contracts/answers/limits.ts';

type Table = Record<string, unknown>;
const isTable = (x: unknown): x is Table =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Date);

/** Deeper than any answer file needs (the deepest real key is 4 levels); bounds every recursion after parsing. */
export const MAX_DEPTH = 16;

/**
 * TOML syntax errors as one issue, positioned by line and column and naming the key being
 * written there (its table and name, never its value: that might be a password).
 */
export function parseTomlText(text: string): Result<Table> {
  const deep = tooManyLines(text) ?? tooManyDots(text);
  if (deep) return { ok: false, issues: [deep] };
  try {
    return { ok: true, value: parseToml(text, { maxDepth: MAX_DEPTH }) as Table };
  } catch (err) {
    const e = err as { line?: unknown; column?: unknown; message?: unknown };
    const first = typeof e.message === 'string' ? e.message.split('\n')[0]! : String(err);
    const reason = first.replace(/^Invalid TOML document:\s*/, '');
    if (typeof e.line !== 'number')
      return { ok: false, issues: [{ path: 'answer file', message: `invalid TOML: ${reason}` }] };
    const key = keyAtLine(text, e.line);
    const where = `line ${e.line}, column ${String(e.column)}`;
    return {
      ok: false,
      issues: [{ path: key ? `${where} (${key})` : where, message: `invalid TOML: ${reason}` }],
    };
  }
}

const TABLE_HEADER = /^\s*\[\[?\s*([A-Za-z0-9_.\- "']+?)\s*\]\]?\s*(#.*)?$/;
const KEY_PART = String.raw`(?:[A-Za-z0-9_\-]+|"[^"\n]*"|'[^'\n]*')`;
const KEY_PREFIX = new RegExp(String.raw`^\s*(${KEY_PART}(?:\s*\.\s*${KEY_PART})*)\s*=`);

/** `global.fqdn` for the line of a syntax error: the key written on it (or the line above), in its table. */
export function keyAtLine(text: string, line: number): string | null {
  const lines = text.split('\n', line + 1);
  let table = '';
  let key: string | null = null;
  for (let i = 0; i < Math.min(line, lines.length); i++) {
    const l = lines[i]!;
    const header = TABLE_HEADER.exec(l);
    if (header) {
      table = header[1]!.replace(/\s*\.\s*/g, '.');
      key = null;
      continue;
    }
    const m = KEY_PREFIX.exec(l);
    if (m) key = m[1]!.replace(/\s*\.\s*/g, '.');
    else if (i === line - 1 && /^\s*\[/.test(l))
      return `table header${table ? ` after [${table}]` : ''}`;
  }
  if (key === null) return table ? `[${table}]` : null;
  return table ? `${table}.${key}` : key;
}

/** More keys than any answer-file table has: checking each (with a "did you mean") would take seconds. */
export const MAX_TABLE_KEYS = 1000;

/** The first table or array with more than `max` entries, walked iteratively; null when none. */
function crowdedTable(
  root: unknown,
  max: number,
): { path: string; keys: number; array: boolean } | null {
  const stack: [unknown, string][] = [[root, '']];
  while (stack.length > 0) {
    const [node, where] = stack.pop()!;
    if (node === null || typeof node !== 'object' || node instanceof Date) continue;
    const entries = Object.entries(node);
    if (entries.length > max)
      return { path: where, keys: entries.length, array: Array.isArray(node) };
    for (const [k, v] of entries) stack.push([v, where ? `${where}.${k}` : k]);
  }
  return null;
}

/** Depth of nested tables/arrays, walked iteratively (no recursion on hostile input). */
function depthExceeds(root: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object' || node instanceof Date) continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Renames the snake_case spellings Proxmox still accepts to the kebab-case keys, in place. */
function resolveAliases(raw: Table): Issue[] {
  const issues: Issue[] = [];
  for (const [tablePath, aliases] of Object.entries(SNAKE_CASE_ALIASES)) {
    let t: unknown = raw;
    for (const seg of tablePath.split('.')) t = isTable(t) ? t[seg] : undefined;
    if (!isTable(t)) continue;
    for (const [alias, key] of Object.entries(aliases)) {
      if (!(alias in t)) continue;
      if (key in t) {
        issues.push({
          path: `${tablePath}.${alias}`,
          message: `same setting as '${key}', which is also set; keep one`,
        });
      } else {
        t[key] = t[alias];
      }
      delete t[alias];
    }
  }
  return issues;
}

const SECTION_ORDER = [
  'line',
  'answer file',
  'global',
  'network',
  'disk-setup',
  'first-boot',
  'post-installation-webhook',
  'cluster',
];
function sectionRank(path: string): number {
  const i = SECTION_ORDER.findIndex(
    (s) =>
      path === s ||
      path.startsWith(`${s}.`) ||
      path.startsWith(`${s}[`) ||
      path.startsWith(`${s} `),
  );
  return i < 0 ? SECTION_ORDER.length : i;
}

/** TOML dates are valid nowhere in an answer file; as a symbol they fail every schema type. */
export const TOML_DATE = Symbol('TOML date');
function hideDates(node: unknown): unknown {
  if (node instanceof Date) return TOML_DATE;
  if (Array.isArray(node)) return node.map(hideDates);
  if (isTable(node))
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, hideDates(v)]));
  return node;
}

/** All problems of a parsed TOML document, in file-section order, without duplicates. */
export function validateRaw(document: Table): Result<RawAnswerFile> {
  const raw = hideDates(document) as Table;
  const issues = resolveAliases(raw);
  const parsed = answerFileSchema.safeParse(raw, { error: errorMap });
  if (!parsed.success) issues.push(...toIssues(answerFileSchema, parsed.error.issues));
  issues.push(...crossCheck(raw));
  if (issues.length > 0 || !parsed.success) {
    const seen = new Set<string>();
    const unique = issues.filter((i) => {
      const key = `${i.path}\u0000${i.message}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
    const ranked = unique.map((issue, index) => ({ issue, index, rank: sectionRank(issue.path) }));
    ranked.sort((a, b) => a.rank - b.rank || a.index - b.index);
    return { ok: false, issues: ranked.map((r) => r.issue) };
  }
  return { ok: true, value: parsed.data };
}

export function parseAnswers(text: string): Result<Answers> {
  try {
    const doc = parseTomlText(String(text));
    if (!doc.ok) return doc;
    const crowded = crowdedTable(doc.value, MAX_TABLE_KEYS);
    if (crowded !== null) {
      return {
        ok: false,
        issues: [
          {
            path: crowded.path || 'answer file',
            message: crowded.array
              ? `has ${crowded.keys} entries; a list in an answer file has a few dozen at most (at most ${MAX_TABLE_KEYS} are checked)`
              : `has ${crowded.keys} keys; an answer file table has a few dozen at most (at most ${MAX_TABLE_KEYS} are checked)`,
          },
        ],
      };
    }
    if (depthExceeds(doc.value, MAX_DEPTH)) {
      return {
        ok: false,
        issues: [
          {
            path: 'answer file',
            message: `tables are nested more than ${MAX_DEPTH} levels deep; an answer file needs at most 4`,
          },
        ],
      };
    }
    const raw = validateRaw(doc.value);
    if (!raw.ok) return raw;
    return { ok: true, value: normalize(raw.value) };
  } catch (err) {
    // Defensive: a bug here must still come out as an issue, not a stack trace.
    return {
      ok: false,
      issues: [
        { path: '', message: `internal error while reading the answer file: ${String(err)}` },
      ],
    };
  }
}

/** Reads an answer file (bounded, strict UTF-8); a missing or unreadable file is a UserError naming the path. */
export async function readAnswerFile(path: string): Promise<string> {
  return Promise.resolve().then(() => readAnswerText(path));
}

/** Reads and validates an answer file; every problem comes out as one UserError (syntax errors name the file). */
export async function loadAnswerFile(path: string): Promise<Answers> {
  const result = parseAnswers(await readAnswerFile(path));
  if (!result.ok) throw new UserError(inFile(path, result.issues));
  return result.value;
}

/** Positions (`line 3, column 7`) and whole-file problems name the file they are in. */
export function inFile(file: string, issues: Issue[]): Issue[] {
  return issues.map((i) =>
    i.path.startsWith('line ') || i.path === 'answer file'
      ? { ...i, path: `${file}: ${i.path === 'answer file' ? '' : i.path}`.replace(/: $/, '') }
      : i,
  );
}

// ---------- normalization: raw TOML shape -> Answers ----------

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, value]) => value !== undefined)) as T;
}

function normalize(raw: RawAnswerFile): Answers {
  const g = raw.global;
  const answers: Answers = {
    global: {
      keyboard: g.keyboard,
      country: g.country,
      fqdn:
        typeof g.fqdn === 'string'
          ? { source: 'from-answer', value: g.fqdn }
          : defined({ source: 'from-dhcp' as const, domain: g.fqdn.domain || undefined }),
      mailto: g.mailto,
      timezone: g.timezone,
      rootPassword:
        g['root-password'] !== undefined
          ? { kind: 'plain', value: g['root-password'] }
          : { kind: 'hashed', hash: g['root-password-hashed']! },
      rootSshKeys: (g['root-ssh-keys'] ?? []).map((k) => k.trim()),
      rebootOnError: g['reboot-on-error'] ?? false,
      rebootMode: g['reboot-mode'] ?? 'reboot',
    },
    network: normalizeNetwork(raw.network),
    disk: normalizeDisks(raw['disk-setup']),
  };
  const fb = raw['first-boot'];
  if (fb) {
    answers.firstBoot = defined({
      source: fb.source,
      url: fb.url,
      certFingerprint: fb['cert-fingerprint'],
      ordering: fb.ordering ?? 'fully-up',
    });
  }
  const hook = raw['post-installation-webhook'];
  if (hook)
    answers.webhook = defined({
      url: hook.url,
      certFingerprint: hook['cert-fingerprint'],
      authToken: hook['auth-token'],
    });
  const c = raw.cluster;
  if (c) {
    const cluster: ClusterAnswers =
      c.mode === 'create'
        ? defined({ mode: 'create' as const, name: c.name!, token: c.token })
        : defined({
            mode: 'join' as const,
            master: c.master!,
            members: c.members,
            token: c.token!,
            fingerprint: c.fingerprint,
          });
    answers.cluster = cluster;
  }
  return answers;
}

function normalizeNetwork(n: RawAnswerFile['network']): NetworkAnswers {
  const pinning = n['interface-name-pinning'];
  const mapping = Object.fromEntries(
    Object.entries(pinning?.mapping ?? {}).map(([mac, name]) => [mac.toLowerCase(), name]),
  );
  return defined({
    source: n.source ?? 'from-dhcp',
    cidr: n.cidr,
    gateway: n.gateway,
    dns: n.dns,
    filter: { ...(n.filter ?? {}) },
    pinning: { enabled: pinning?.enabled ?? null, mapping },
    bond: n.bond ? { mode: n.bond.mode, filter: { ...n.bond.filter } } : undefined,
    vlan: n.vlan,
  });
}

function normalizeDisks(d: RawAnswerFile['disk-setup']): DiskAnswers {
  const list = d['disk-list'] ?? [];
  const selection: DiskAnswers['selection'] =
    list.length > 0
      ? { kind: 'list', disks: list.map(diskKernelName) }
      : { kind: 'filter', filter: { ...(d.filter ?? {}) }, match: d['filter-match'] ?? 'any' };
  return {
    // 'zfs' never gets here: checks.ts refuses it
    filesystem: d.filesystem as DiskAnswers['filesystem'],
    selection,
    lvm: defined({ ...(d.lvm ?? {}) }),
    btrfs: defined({
      raid: d.btrfs?.raid?.toLowerCase() as BtrfsRaid | undefined,
      compress: d.btrfs?.compress,
      hdsize: d.btrfs?.hdsize,
    }),
  };
}
