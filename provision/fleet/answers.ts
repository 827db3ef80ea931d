// The answer directory: every answer file and fleet.toml read and validated at once, each problem
// as `file: path: message`. An invalid answer file is kept out (never served); the rules that name
// it match nothing. Plain root passwords are replaced by crypt hashes here, once per load: the
// server only ever hands out hashes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import type { Issue } from '../../lib/errors.ts';
import { fieldPath } from '../../contracts/json.ts';
import { parseAnswers } from '../../installer/index.ts';
import { SAMPLE_VALUES, renderTemplate, templateVariables, type Values } from './render.ts';
import {
  fileNameRules,
  fleetFileSchema,
  rulesFromFleetFile,
  type Pool,
  type Rule,
} from './rules.ts';

export const FLEET_FILE = 'fleet.toml';
export const DEFAULT_ANSWER = 'default.toml';
const MAX_ANSWER_BYTES = 256 * 1024;

export interface AnswerSet {
  /** valid answer templates, passwords hashed: file name -> text */
  templates: Map<string, string>;
  rules: Rule[];
  pool: Pool;
  hasDefault: boolean;
  /** every problem, `file: path: message` ready */
  issues: Issue[];
  files: number;
}

export type PasswordHasher = (password: string) => Promise<string>;

type Table = Record<string, unknown>;
const isTable = (x: unknown): x is Table =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

const within = (file: string, issues: Issue[]): Issue[] =>
  issues.map((i) => ({ path: i.path ? `${file}: ${i.path}` : file, message: i.message }));

/** Pure: one answer template's problems (unknown variables, then the answer file's own checks). */
export function checkTemplate(text: string): Issue[] {
  const vars = templateVariables(text);
  if (vars.issues.length) return vars.issues;
  const rendered = renderTemplate(text, SAMPLE_VALUES);
  if (!rendered.ok) return rendered.issues;
  const parsed = parseAnswers(rendered.text);
  return parsed.ok ? [] : parsed.issues;
}

/** Replace `root-password` by `root-password-hashed` (the template stays a template). */
export async function hashPasswords(text: string, hash: PasswordHasher): Promise<string> {
  const doc = parseToml(text) as Table;
  const global = doc.global;
  if (!isTable(global)) return text;
  const key =
    'root-password' in global
      ? 'root-password'
      : 'root_password' in global
        ? 'root_password'
        : null;
  if (key === null) return text;
  const password = global[key];
  if (typeof password !== 'string') return text;
  delete global[key];
  global['root-password-hashed'] = await hash(password);
  return `# served by openve-install serve (root password replaced by its hash)\n${stringifyToml(doc)}\n`;
}

/** Where the installed node reports its first boot: the server, pinned, with the machine's token. */
export interface BootReport {
  url: string;
  fingerprint: string;
  token: string;
}

/** Pure: a [post-installation-webhook] table pointing at the server (TOML strings of plain tokens). */
export function bootReportTable(r: BootReport): string {
  return (
    `\n# added by openve-install serve: the installed node reports its first boot to the server\n` +
    `[post-installation-webhook]\nurl = ${JSON.stringify(r.url)}\n` +
    `cert-fingerprint = ${JSON.stringify(r.fingerprint)}\nauth-token = ${JSON.stringify(r.token)}\n`
  );
}

/** Pure: per-machine answer text, checked again with the machine's values. With `report`, an
 * answer without its own post-installation webhook gets one to the server (an operator's own
 * webhook is kept: that node's first boot is then not seen by the server). */
export function renderAnswer(
  template: string,
  values: Values,
  report?: BootReport,
): { ok: true; text: string } | { ok: false; issues: Issue[] } {
  const rendered = renderTemplate(template, values);
  if (!rendered.ok) return rendered;
  const parsed = parseAnswers(rendered.text);
  if (!parsed.ok) return { ok: false, issues: parsed.issues };
  if (!report || parsed.value.webhook !== undefined) return rendered;
  // a new table at the end of a document that parsed and has no such table, of JSON-quoted plain
  // tokens: valid without a second parse (the unit test parses it)
  return { ok: true, text: `${rendered.text.replace(/\n*$/, '\n')}${bootReportTable(report)}` };
}

export async function loadAnswerDir(
  dir: string,
  hash: PasswordHasher,
  hashCache = new Map<string, string>(),
): Promise<AnswerSet> {
  const issues: Issue[] = [];
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((f) => f.endsWith('.toml') && !f.startsWith('.'))
      .sort();
  } catch (err) {
    throw new Error(`--answers ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      cause: err,
    });
  }
  const cachedHash: PasswordHasher = async (pw) => {
    const known = hashCache.get(pw);
    if (known) return known;
    const h = await hash(pw);
    hashCache.set(pw, h);
    return h;
  };

  let pool: Pool = fleetFileSchema.parse({}).pool;
  let rules: Rule[] = [];
  if (names.includes(FLEET_FILE)) {
    const parsed = readFleetFile(path.join(dir, FLEET_FILE));
    if (parsed.ok) {
      pool = parsed.value.pool;
      rules = rulesFromFleetFile(parsed.value);
    } else issues.push(...within(FLEET_FILE, parsed.issues));
  }
  const answerFiles = names.filter((n) => n !== FLEET_FILE);
  const byName = fileNameRules(answerFiles);
  issues.push(...byName.issues);
  rules = [...rules, ...byName.rules];

  const templates = new Map<string, string>();
  for (const file of answerFiles) {
    const full = path.join(dir, file);
    let text: string;
    try {
      if (statSync(full).size > MAX_ANSWER_BYTES) {
        issues.push({ path: file, message: `larger than ${MAX_ANSWER_BYTES} bytes` });
        continue;
      }
      text = readFileSync(full, 'utf8');
    } catch (err) {
      issues.push({
        path: file,
        message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      });
      continue;
    }
    const problems = checkTemplate(text);
    if (problems.length) {
      issues.push(...within(file, problems));
      continue;
    }
    try {
      templates.set(file, await hashPasswords(text, cachedHash));
    } catch (err) {
      issues.push({
        path: file,
        message: `placeholders must be inside TOML strings ("{{ip}}"): ${String((err as Error).message).split('\n')[0]}`,
      });
    }
  }
  for (const rule of rules) {
    if (!answerFiles.includes(rule.answer))
      issues.push({
        path: `${FLEET_FILE}: ${rule.origin.replace(/^fleet\.toml /, '')}.answer`,
        message: `no such answer file in ${dir}: ${rule.answer}`,
      });
  }
  return {
    templates,
    rules,
    pool,
    hasDefault: answerFiles.includes(DEFAULT_ANSWER),
    issues,
    files: answerFiles.length,
  };
}

function readFleetFile(
  file: string,
): { ok: true; value: ReturnType<typeof fleetFileSchema.parse> } | { ok: false; issues: Issue[] } {
  let doc: unknown;
  try {
    doc = parseToml(readFileSync(file, 'utf8'));
  } catch (err) {
    return {
      ok: false,
      issues: [
        { path: '', message: `invalid TOML: ${String((err as Error).message).split('\n')[0]}` },
      ],
    };
  }
  const r = fleetFileSchema.safeParse(doc);
  if (r.success) return { ok: true, value: r.data };
  return {
    ok: false,
    issues: r.error.issues.map((i) => ({ path: fieldPath(i.path), message: i.message })),
  };
}
