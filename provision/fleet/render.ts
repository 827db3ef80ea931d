// Pure: per-machine values into an answer template. Answer files may use {{hostname}}, {{fqdn}},
// {{domain}}, {{ip}}, {{cidr}} (ip/prefix), {{prefix}}, {{gateway}}, {{dns}}, {{mac}} and {{n}}
// inside TOML strings, e.g. `fqdn = "{{fqdn}}"`, `cidr = "{{cidr}}"`. Values are checked to be
// plain tokens (letters, digits, `.:/-`), so no value can break out of its TOML string.
import type { Issue } from '../../lib/errors.ts';

export const VARIABLES = [
  'hostname',
  'fqdn',
  'domain',
  'ip',
  'cidr',
  'prefix',
  'gateway',
  'dns',
  'mac',
  'n',
] as const;
export type Variable = (typeof VARIABLES)[number];
export type Values = Partial<Record<Variable, string>>;

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_-]*)\s*\}\}/g;
const SAFE = /^[A-Za-z0-9.:/-]*$/;

/** Variables used by a template, and issues for unknown ones (`line N: ...`). */
export function templateVariables(text: string): { used: Set<Variable>; issues: Issue[] } {
  const used = new Set<Variable>();
  const issues: Issue[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(PLACEHOLDER)) {
      const name = m[1] ?? '';
      if ((VARIABLES as readonly string[]).includes(name)) used.add(name as Variable);
      else
        issues.push({
          path: `line ${i + 1}`,
          message: `unknown variable {{${name}}}; known: ${VARIABLES.map((v) => `{{${v}}}`).join(', ')}`,
        });
    }
  });
  return { used, issues };
}

/** The template with every placeholder replaced; a missing or unsafe value is an issue. */
export function renderTemplate(
  text: string,
  values: Values,
): { ok: true; text: string } | { ok: false; issues: Issue[] } {
  const issues: Issue[] = [];
  const out = text.replace(PLACEHOLDER, (_all, name: string) => {
    const v = values[name as Variable];
    if (v === undefined) {
      issues.push({
        path: `{{${name}}}`,
        message:
          name === 'ip' || name === 'cidr' || name === 'gateway' || name === 'dns'
            ? 'no value for this machine: give it `ip` in fleet.toml, or a [pool] with addresses (and gateway/dns)'
            : 'no value for this machine',
      });
      return '';
    }
    if (!SAFE.test(v)) {
      issues.push({
        path: `{{${name}}}`,
        message: `value ${JSON.stringify(v)} is not a plain token`,
      });
      return '';
    }
    return v;
  });
  return issues.length ? { ok: false, issues } : { ok: true, text: out };
}

/** Values for one machine from its rule, the pool and its allocated address. */
export function machineValues(input: {
  mac: string;
  hostname?: string;
  hostnamePattern: string;
  domain: string;
  ip?: string;
  n?: number;
  prefix: number;
  gateway?: string;
  dns?: string;
}): Values {
  const n = input.n ?? 0;
  const host =
    input.hostname ??
    input.hostnamePattern.replace(/\{\{\s*n\s*\}\}/g, String(n)).replace(/\{\{[^}]*\}\}/g, '');
  const v: Values = {
    hostname: host,
    fqdn: `${host}.${input.domain}`,
    domain: input.domain,
    mac: input.mac,
    prefix: String(input.prefix),
    n: String(n),
  };
  if (input.ip !== undefined) {
    v.ip = input.ip;
    v.cidr = `${input.ip}/${input.prefix}`;
  }
  if (input.gateway !== undefined) v.gateway = input.gateway;
  if (input.dns !== undefined) v.dns = input.dns;
  return v;
}

/** Values used to validate a template when the server starts (documentation addresses). */
export const SAMPLE_VALUES: Values = {
  hostname: 'node1',
  fqdn: 'node1.example.com',
  domain: 'example.com',
  ip: '192.0.2.10',
  cidr: '192.0.2.10/24',
  prefix: '24',
  gateway: '192.0.2.1',
  dns: '192.0.2.1',
  mac: '52:54:00:00:00:01',
  n: '1',
};
