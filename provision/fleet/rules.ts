// Pure: which answer each machine gets. The answer directory holds answer files (TOML, possibly
// with {{variables}}, see render.ts) and an optional fleet.toml:
//
//   [pool]                          # per-machine values for machines that do not name their own
//   addresses = "10.88.0.100-10.88.0.199"   # static IPv4s, handed out in order of first contact
//   prefix = 24
//   gateway = "10.88.0.1"
//   dns = "10.88.0.1"
//   hostname = "node{{n}}"          # {{n}}: the address's position in the pool, from 1
//   domain = "lab.example"
//
//   [[machine]]                     # first rule that matches wins; every selector given must match
//   answer = "compute.toml"
//   mac = "52:54:00:12:34:56"       # any NIC of the machine; a glob ("52:54:00:*") also works
//   serial = "CZ1234*"              # SMBIOS system serial (glob)
//   uuid = "4c4c4544-*"             # SMBIOS system UUID (glob, lower case)
//   filter = { cpu-vendor = "GenuineIntel", product = "PowerEdge*" }   # udev-style globs on facts
//   hostname = "db1"                # per-machine values (else from [pool])
//   ip = "10.88.0.11"
//
// Files named mac-5254001234ab.toml / serial-XYZ.toml / uuid-....toml match by their name, after
// the [[machine]] rules; default.toml matches every other machine, but only with --install-unknown.
import * as z from 'zod';
import type { Issue } from '../../lib/errors.ts';
import type { MachineFacts } from '../../contracts/fleet.ts';
import { compileGlob, globProblem, matchCompiled } from '../../installer/index.ts';
import { parseIpv4, formatIpv4 } from './ipv4.ts';

export const FILTER_KEYS = [
  'mac',
  'serial',
  'uuid',
  'manufacturer',
  'product',
  'cpu-vendor',
  'cpu-model',
  'firmware',
] as const;
type FilterKey = (typeof FILTER_KEYS)[number];

const glob = z
  .string()
  .min(1)
  .max(256)
  .refine((g) => globProblem(g) === null, { message: 'not a valid glob' });
const ipv4 = z.string().refine((s) => parseIpv4(s) !== null, { message: 'not an IPv4 address' });
const hostname = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i, 'a host name: letters, digits and -, at most 63');

const machineSchema = z.strictObject({
  answer: z.string().regex(/^[A-Za-z0-9._-]+\.toml$/, 'a .toml file name in the answer directory'),
  mac: glob.optional(),
  serial: glob.optional(),
  uuid: glob.optional(),
  filter: z.partialRecord(z.enum(FILTER_KEYS), glob).optional(),
  hostname: hostname.optional(),
  ip: ipv4.optional(),
});

const poolSchema = z
  .strictObject({
    addresses: z
      .string()
      .regex(/^[0-9.]+-[0-9.]+$/, 'FIRST-LAST, e.g. 10.88.0.100-10.88.0.199')
      .optional(),
    prefix: z.number().int().min(1).max(32).default(24),
    gateway: ipv4.optional(),
    dns: ipv4.optional(),
    hostname: z
      .string()
      .regex(/^[a-z0-9{}-]+$/i, 'letters, digits, - and {{n}}')
      .default('node{{n}}'),
    domain: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i, 'a DNS domain')
      .default('local'),
  })
  .default({ prefix: 24, hostname: 'node{{n}}', domain: 'local' });

export const fleetFileSchema = z.strictObject({
  pool: poolSchema,
  machine: z.array(machineSchema).max(100_000).default([]),
});
export type FleetFile = z.infer<typeof fleetFileSchema>;
export type Pool = FleetFile['pool'];

export interface Rule {
  /** where the rule comes from, for messages: `fleet.toml machine[2]`, `mac-525400123456.toml` */
  origin: string;
  answer: string;
  mac?: string;
  serial?: string;
  uuid?: string;
  filter?: Partial<Record<FilterKey, string>>;
  hostname?: string;
  ip?: string;
}

/** A MAC in canonical form (lower case, colons); null when it is not one. */
export function canonicalMac(input: string): string | null {
  const hex = input.toLowerCase().replace(/[:-]/g, '');
  return /^[0-9a-f]{12}$/.test(hex) ? hex.match(/../g)!.join(':') : null;
}

/** Rules implied by file names: mac-*.toml, serial-*.toml, uuid-*.toml. Bad names are issues. */
export function fileNameRules(files: readonly string[]): { rules: Rule[]; issues: Issue[] } {
  const rules: Rule[] = [];
  const issues: Issue[] = [];
  for (const file of [...files].sort()) {
    const m = /^(mac|serial|uuid)-(.+)\.toml$/.exec(file);
    if (!m) continue;
    const [, kind, value] = m as unknown as [string, 'mac' | 'serial' | 'uuid', string];
    if (kind === 'mac') {
      const mac = canonicalMac(value);
      if (!mac) {
        issues.push({
          path: file,
          message: `not a MAC address in the file name (expected mac-525400123456.toml or mac-52-54-00-12-34-56.toml)`,
        });
        continue;
      }
      rules.push({ origin: file, answer: file, mac });
    } else
      rules.push({
        origin: file,
        answer: file,
        [kind]: kind === 'uuid' ? value.toLowerCase() : value,
      });
  }
  // exact identities (MAC) before serials before UUIDs
  const order = (r: Rule) => (r.mac ? 0 : r.serial ? 1 : 2);
  rules.sort((a, b) => order(a) - order(b));
  return { rules, issues };
}

export function rulesFromFleetFile(file: FleetFile): Rule[] {
  return file.machine.map((m, i) => {
    const rule: Rule = { origin: `fleet.toml machine[${i}]`, answer: m.answer };
    if (m.mac !== undefined) rule.mac = canonicalMac(m.mac) ?? m.mac.toLowerCase();
    if (m.serial !== undefined) rule.serial = m.serial;
    if (m.uuid !== undefined) rule.uuid = m.uuid.toLowerCase();
    if (m.filter !== undefined) rule.filter = m.filter;
    if (m.hostname !== undefined) rule.hostname = m.hostname;
    if (m.ip !== undefined) rule.ip = m.ip;
    return rule;
  });
}

function factValues(facts: MachineFacts, key: FilterKey): string[] {
  switch (key) {
    case 'mac':
      return facts.macs.length ? facts.macs : [facts.mac];
    case 'serial':
      return facts.serial ? [facts.serial] : [];
    case 'uuid':
      return facts.uuid ? [facts.uuid.toLowerCase()] : [];
    case 'manufacturer':
      return facts.manufacturer ? [facts.manufacturer] : [];
    case 'product':
      return facts.product ? [facts.product] : [];
    case 'cpu-vendor':
      return facts.cpuVendor ? [facts.cpuVendor] : [];
    case 'cpu-model':
      return facts.cpuModel ? [facts.cpuModel] : [];
    case 'firmware':
      return facts.firmware ? [facts.firmware] : [];
  }
}

// Every answer fetch matches the machine against every rule (1,000 file-name rules in the bench):
// each glob is compiled once, and a glob without wildcards is a plain comparison.
const matchers = new Map<string, (value: string) => boolean>();
function matcher(pattern: string): (value: string) => boolean {
  let m = matchers.get(pattern);
  if (m === undefined) {
    if (/[*?[]/.test(pattern)) {
      const compiled = compileGlob(pattern);
      m = (v) => compiled.problem === null && matchCompiled(compiled, v);
    } else m = (v) => v === pattern;
    if (matchers.size > 100_000) matchers.clear(); // answer directories are reloaded, not grown forever
    matchers.set(pattern, m);
  }
  return m;
}
const anyMatches = (pattern: string, values: string[]) => values.some(matcher(pattern));

function selectorsOf(rule: Rule): [FilterKey, string][] {
  const selectors: [FilterKey, string][] = [];
  if (rule.mac !== undefined) selectors.push(['mac', rule.mac]);
  if (rule.serial !== undefined) selectors.push(['serial', rule.serial]);
  if (rule.uuid !== undefined) selectors.push(['uuid', rule.uuid]);
  for (const [k, v] of Object.entries(rule.filter ?? {}) as [FilterKey, string][])
    selectors.push([k, v]);
  return selectors;
}

export function ruleMatches(rule: Rule, facts: MachineFacts): boolean {
  const selectors = selectorsOf(rule);
  if (selectors.length === 0) return false; // a rule without selectors matches nothing
  return selectors.every(([k, pattern]) => anyMatches(pattern, factValues(facts, k)));
}

/** Rules that select by one literal value (every `mac-*.toml`, most [[machine]] rules) are looked
 * up by that value; only the others are tried one by one. The candidates keep their order. */
interface RuleIndex {
  literal: Map<string, number[]>; // `key=value` -> rule positions
  scanned: number[];
}
const indexes = new WeakMap<readonly Rule[], RuleIndex>();
function indexOf(rules: readonly Rule[]): RuleIndex {
  let index = indexes.get(rules);
  if (index) return index;
  index = { literal: new Map(), scanned: [] };
  rules.forEach((rule, i) => {
    const selectors = selectorsOf(rule);
    const only = selectors.length === 1 ? selectors[0]! : null;
    if (only && !/[*?[]/.test(only[1])) {
      const key = `${only[0]}=${only[1]}`;
      index!.literal.set(key, [...(index!.literal.get(key) ?? []), i]);
    } else if (selectors.length > 0) index!.scanned.push(i);
  });
  indexes.set(rules, index);
  return index;
}

function candidates(rules: readonly Rule[], facts: MachineFacts): Rule[] {
  const index = indexOf(rules);
  const at = new Set<number>();
  for (const key of FILTER_KEYS)
    for (const v of factValues(facts, key))
      for (const i of index.literal.get(`${key}=${v}`) ?? []) at.add(i);
  for (const i of index.scanned) if (ruleMatches(rules[i]!, facts)) at.add(i);
  return [...at].sort((a, b) => a - b).map((i) => rules[i]!);
}

export type Match =
  { kind: 'rule'; rule: Rule } | { kind: 'default'; rule: Rule } | { kind: 'none'; reason: string };

/**
 * The answer for a machine: the first [[machine]] rule, then file-name rules, then default.toml
 * when unknown machines may be installed. Rules whose answer file is invalid are skipped (they
 * are never served) and named in the reason when nothing else matches.
 */
export function matchMachine(
  rules: readonly Rule[],
  facts: MachineFacts,
  opts: { valid: (answer: string) => boolean; hasDefault: boolean; installUnknown: boolean },
): Match {
  const refused: string[] = [];
  for (const rule of candidates(rules, facts)) {
    if (opts.valid(rule.answer)) return { kind: 'rule', rule };
    refused.push(`${rule.origin} matches, but ${rule.answer} is invalid`);
  }
  if (refused.length) return { kind: 'none', reason: refused.join('; ') };
  if (opts.hasDefault && opts.installUnknown && opts.valid('default.toml'))
    return { kind: 'default', rule: { origin: 'default.toml', answer: 'default.toml' } };
  return {
    kind: 'none',
    reason: opts.hasDefault
      ? 'no rule matches; default.toml is used only with --install-unknown'
      : 'no rule matches this machine',
  };
}

/** The next free address of the pool (FIRST-LAST), or null when it is used up. The search starts
 * at `from` (the address after the last one given: O(1) while addresses are handed out in order)
 * and wraps around to FIRST. */
export function allocateAddress(
  range: string,
  taken: { has(ip: string): boolean },
  from?: string,
): string | null {
  const [a, b] = range.split('-');
  const first = parseIpv4(a ?? '');
  const last = parseIpv4(b ?? '');
  if (first === null || last === null || last < first) return null;
  const hint = from === undefined ? null : parseIpv4(from);
  const start = hint !== null && hint >= first && hint <= last ? hint : first;
  for (let k = 0; k <= last - first; k++) {
    const ip = formatIpv4(first + ((start - first + k) % (last - first + 1)));
    if (!taken.has(ip)) return ip;
  }
  return null;
}

/** 1-based position of an address in the pool (the {{n}} of hostname patterns), or null. */
export function poolIndex(range: string, ip: string): number | null {
  const first = parseIpv4(range.split('-')[0] ?? '');
  const n = parseIpv4(ip);
  return first === null || n === null ? null : n - first + 1;
}
