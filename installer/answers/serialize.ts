// Answers -> answer-file TOML ("save answers" in the UI), and redaction of an answer file's text
// before it is copied onto the installed system.
import { parse as parseToml, stringify } from 'smol-toml';
import type { Answers } from '../../contracts/answers/types.ts';

export interface SerializeOptions {
  /**
   * Turns a plaintext root password into a crypt(3) hash ($y$/$6$/$5$). Required when the
   * answers hold a plaintext password: a saved answer file never contains one.
   */
  hashPassword?: (plain: string) => string;
}

type Table = Record<string, unknown>;

function defined(o: Table): Table {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
const nonEmpty = (o: Record<string, string>): Record<string, string> | undefined =>
  Object.keys(o).length > 0 ? { ...o } : undefined;

/** TOML text that parseAnswers() turns back into the same Answers (password as a hash). */
export function serializeAnswers(answers: Answers, options: SerializeOptions = {}): string {
  const g = answers.global;
  let password: Table;
  if (g.rootPassword.kind === 'hashed') password = { 'root-password-hashed': g.rootPassword.hash };
  else if (options.hashPassword)
    password = { 'root-password-hashed': options.hashPassword(g.rootPassword.value) };
  else throw new Error('serializeAnswers: a plaintext root password needs options.hashPassword');

  const doc: Table = {
    global: defined({
      keyboard: g.keyboard,
      country: g.country,
      fqdn:
        g.fqdn.source === 'from-answer'
          ? g.fqdn.value
          : defined({ source: 'from-dhcp', domain: g.fqdn.domain }),
      mailto: g.mailto,
      timezone: g.timezone,
      ...password,
      'root-ssh-keys': g.rootSshKeys.length > 0 ? [...g.rootSshKeys] : undefined,
      'reboot-on-error': g.rebootOnError,
      'reboot-mode': g.rebootMode,
    }),
    network: serializeNetwork(answers.network),
    'disk-setup': serializeDisks(answers.disk),
  };
  const fb = answers.firstBoot;
  if (fb) {
    doc['first-boot'] = defined({
      source: fb.source,
      ordering: fb.ordering,
      url: fb.url,
      'cert-fingerprint': fb.certFingerprint,
    });
  }
  const hook = answers.webhook;
  if (hook) {
    doc['post-installation-webhook'] = defined({
      url: hook.url,
      'cert-fingerprint': hook.certFingerprint,
      'auth-token': hook.authToken,
    });
  }
  const c = answers.cluster;
  if (c) {
    doc.cluster =
      c.mode === 'create'
        ? defined({ mode: 'create', name: c.name, token: c.token })
        : defined({
            mode: 'join',
            master: c.master,
            members: c.members,
            token: c.token,
            fingerprint: c.fingerprint,
          });
  }
  return `# openve answer file (saved by openve-install)\n${stringify(doc)}`;
}

function serializeNetwork(n: Answers['network']): Table {
  return defined({
    source: n.source,
    cidr: n.cidr,
    gateway: n.gateway,
    dns: n.dns,
    filter: nonEmpty(n.filter),
    vlan: n.vlan,
    bond: n.bond ? { mode: n.bond.mode, filter: { ...n.bond.filter } } : undefined,
    'interface-name-pinning':
      n.pinning.enabled !== null || Object.keys(n.pinning.mapping).length > 0
        ? defined({ enabled: n.pinning.enabled ?? false, mapping: nonEmpty(n.pinning.mapping) })
        : undefined,
  });
}

function serializeDisks(d: Answers['disk']): Table {
  const sel = d.selection;
  const lvm = defined({ ...d.lvm });
  const btrfs = defined({ ...d.btrfs });
  return defined({
    filesystem: d.filesystem,
    'disk-list': sel.kind === 'list' ? [...sel.disks] : undefined,
    filter: sel.kind === 'filter' ? { ...sel.filter } : undefined,
    'filter-match': sel.kind === 'filter' ? sel.match : undefined,
    lvm: Object.keys(lvm).length > 0 ? lvm : undefined,
    btrfs: Object.keys(btrfs).length > 0 ? btrfs : undefined,
  });
}

// ---------- redaction ----------

/** Keys whose values are secrets (plaintext password, tokens), including Proxmox's old spellings. */
const SECRET_KEYS = new Set([
  'root-password',
  'root_password',
  'token',
  'auth-token',
  'auth_token',
]);
export const REDACTED = '<redacted>';

const KEY = String.raw`(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')`;
const ASSIGNMENT = new RegExp(String.raw`^(\s*)(${KEY}(?:\s*\.\s*${KEY})*)(\s*=\s*)(.*)$`);

function lastKey(dotted: string): string {
  const parts = dotted.match(new RegExp(KEY, 'g')) ?? [];
  const last = parts[parts.length - 1] ?? '';
  return last.startsWith('"') || last.startsWith("'") ? last.slice(1, -1) : last;
}

function parsesAsToml(text: string): boolean {
  try {
    parseToml(text);
    return true;
  } catch {
    return false;
  }
}

function collectSecrets(node: unknown, out: string[]): void {
  if (Array.isArray(node)) node.forEach((n) => collectSecrets(n, out));
  else if (node && typeof node === 'object' && !(node instanceof Date)) {
    for (const [k, v] of Object.entries(node)) {
      if (SECRET_KEYS.has(k) && typeof v === 'string' && v.length > 0) out.push(v);
      else collectSecrets(v, out);
    }
  }
}

function replaceSecrets(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(replaceSecrets);
  if (node && typeof node === 'object' && !(node instanceof Date)) {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [k, SECRET_KEYS.has(k) ? REDACTED : replaceSecrets(v)]),
    );
  }
  return node;
}

/**
 * The answer file with the plaintext root password and tokens replaced by "<redacted>", comments
 * and layout kept. Where a secret is written in a form the line rewrite cannot handle (inline
 * table, multi-line string), the document is re-serialized instead; text that is not TOML at all
 * loses every line that mentions a password or token.
 */
export function redactAnswerText(text: string): string {
  const rewritten = text
    .split('\n')
    .map((line) => {
      const m = ASSIGNMENT.exec(line);
      if (!m || !SECRET_KEYS.has(lastKey(m[2]!))) return line;
      return `${m[1]}${m[2]}${m[3]}"${REDACTED}"`;
    })
    .join('\n');

  let parsed: unknown;
  try {
    parsed = parseToml(text);
  } catch {
    return rewritten
      .split('\n')
      .map((line) =>
        /password|token/i.test(line) && !line.includes(REDACTED) ? `# ${REDACTED} line` : line,
      )
      .join('\n');
  }
  const secrets: string[] = [];
  collectSecrets(parsed, secrets);
  if (!secrets.some((s) => rewritten.includes(s)) && parsesAsToml(rewritten)) return rewritten;
  return `# openve: answer file re-serialized to redact secrets (comments dropped)\n${stringify(replaceSecrets(parsed) as Table)}`;
}
