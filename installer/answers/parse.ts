// Answer-file text -> validated, normalized Answers. Reports every problem at once (TOML syntax,
// schema, cross-field checks), each as `path: message`; never throws on any input.
import { readFile } from 'node:fs/promises';
import { parse as parseToml } from 'smol-toml';
import type { Answers, DiskAnswers, NetworkAnswers, BtrfsRaid, ClusterAnswers } from '../../contracts/answers/types.ts';
import { UserError, type Issue, type Result } from '../../lib/errors.ts';
import { unreadableReason } from '../../lib/fs.ts';
import { answerFileSchema, SNAKE_CASE_ALIASES, type RawAnswerFile } from '../../contracts/answers/schema.ts';
import { crossCheck } from './checks.ts';
import { errorMap, toIssues } from './issues.ts';
import { diskKernelName } from '../../contracts/answers/validators.ts';

type Table = Record<string, unknown>;
const isTable = (x: unknown): x is Table =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Date);

/** TOML syntax errors as one issue, positioned by line and column; never the offending line. */
export function parseTomlText(text: string): Result<Table> {
  try {
    return { ok: true, value: parseToml(text) as Table };
  } catch (err) {
    const e = err as { line?: unknown; column?: unknown; message?: unknown };
    const first = typeof e.message === 'string' ? e.message.split('\n')[0]! : String(err);
    const reason = first.replace(/^Invalid TOML document:\s*/, '');
    const where = typeof e.line === 'number' ? `line ${e.line}, column ${String(e.column)}` : 'answer file';
    return { ok: false, issues: [{ path: where, message: `invalid TOML: ${reason}` }] };
  }
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
        issues.push({ path: `${tablePath}.${alias}`, message: `same setting as '${key}', which is also set; keep one` });
      } else {
        t[key] = t[alias];
      }
      delete t[alias];
    }
  }
  return issues;
}

const SECTION_ORDER = ['line', 'answer file', 'global', 'network', 'disk-setup', 'first-boot', 'post-installation-webhook', 'cluster'];
function sectionRank(path: string): number {
  const i = SECTION_ORDER.findIndex((s) => path === s || path.startsWith(`${s}.`) || path.startsWith(`${s}[`) || path.startsWith(`${s} `));
  return i < 0 ? SECTION_ORDER.length : i;
}

/** TOML dates are valid nowhere in an answer file; as a symbol they fail every schema type. */
export const TOML_DATE = Symbol('TOML date');
function hideDates(node: unknown): unknown {
  if (node instanceof Date) return TOML_DATE;
  if (Array.isArray(node)) return node.map(hideDates);
  if (isTable(node)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, hideDates(v)]));
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
    const raw = validateRaw(doc.value);
    if (!raw.ok) return raw;
    return { ok: true, value: normalize(raw.value) };
  } catch (err) {
    // Defensive: a bug here must still come out as an issue, not a stack trace.
    return { ok: false, issues: [{ path: '', message: `internal error while reading the answer file: ${String(err)}` }] };
  }
}

/** Reads an answer file; a missing or unreadable file is a UserError naming the path. */
export async function readAnswerFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new UserError({ path, message: `${unreadableReason(err)} (expected an answer file in TOML)` });
  }
}

/** Reads and validates an answer file; every problem comes out as one UserError. */
export async function loadAnswerFile(path: string): Promise<Answers> {
  const result = parseAnswers(await readAnswerFile(path));
  if (!result.ok) throw new UserError(result.issues);
  return result.value;
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
  if (hook) answers.webhook = defined({ url: hook.url, certFingerprint: hook['cert-fingerprint'], authToken: hook['auth-token'] });
  const c = raw.cluster;
  if (c) {
    const cluster: ClusterAnswers =
      c.mode === 'create'
        ? defined({ mode: 'create' as const, name: c.name!, token: c.token })
        : defined({ mode: 'join' as const, master: c.master!, token: c.token!, fingerprint: c.fingerprint });
    answers.cluster = cluster;
  }
  return answers;
}

function normalizeNetwork(n: RawAnswerFile['network']): NetworkAnswers {
  const pinning = n['interface-name-pinning'];
  const mapping = Object.fromEntries(Object.entries(pinning?.mapping ?? {}).map(([mac, name]) => [mac.toLowerCase(), name]));
  return defined({
    source: n.source ?? 'from-dhcp',
    cidr: n.cidr,
    gateway: n.gateway,
    dns: n.dns,
    filter: { ...(n.filter ?? {}) },
    pinning: { enabled: pinning?.enabled ?? false, mapping },
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
