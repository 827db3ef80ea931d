// `openve-install validate` and `schema`, run in-process through the CLI dispatcher; and the
// fixture password never reaches their output, serialize or redact.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../../installer/cli.ts';
import { capture } from '../../helpers/capture.ts';
import { parseAnswers } from '../../../installer/answers/parse.ts';
import { serializeAnswers, redactAnswerText } from '../../../installer/answers/serialize.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const PASSWORD = 'passw0rd-fixture';
const example = readFileSync(path.join(root, 'examples/answer.toml'), 'utf8');
const dir = mkdtempSync(path.join(tmpdir(), 'openve-validate-'));

const run = (...argv: string[]) => capture(() => main(argv));

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

afterEach(() => vi.restoreAllMocks());

describe('openve-install validate', () => {
  it('exit 0 and a one-line summary', async () => {
    const r = await run('validate', path.join(root, 'examples/answer.toml'));
    expect(r).toEqual({
      code: 0,
      out: 'ok: node1.openve.lan, ext4 on disk-list [vda], network from-answer 10.0.2.15/24\n',
      err: '',
    });
  });

  it('summarizes btrfs, filters, DHCP and cluster', async () => {
    const text = example
      .replace('fqdn = "node1.openve.lan"', 'fqdn = { source = "from-dhcp", domain = "lab" }')
      .replace(/source = "from-answer"\n(.*\n){3}/, 'source = "from-dhcp"\nvlan = 7\n')
      .replace(
        'filesystem = "ext4"\ndisk-list = ["vda"]\nlvm.swapsize = 1',
        'filesystem = "btrfs"\nbtrfs.raid = "raid1"\nfilter.ID_MODEL = "QEMU*"',
      )
      .concat(
        '\n[cluster]\nmode = "join"\nmaster = "10.0.2.2"\ntoken = "fleet-token-0123456789"\n',
      );
    const r = await run('validate', file('btrfs.toml', text));
    expect(r.err).toBe('');
    expect(r.out).toBe(
      'ok: fqdn from-dhcp (domain lab), btrfs raid1 on filter ID_MODEL=QEMU* (match any), network from-dhcp, vlan 7, cluster join 10.0.2.2\n',
    );
  });

  it('exit 1 with one path: message line per problem, no stack', async () => {
    const r = await run(
      'validate',
      file('bad.toml', example.replace('"en-us"', '"en_us"').replace('10.0.2.2', '10.0.3.2')),
    );
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.trimEnd().split('\n')).toEqual([
      "global.keyboard: unknown keyboard layout 'en_us' (did you mean 'en-us'?); valid: de, de-ch, dk, en-gb, en-us, es, fi, fr, fr-be, fr-ca, fr-ch, hu, is, it, jp, lt, mk, nl, no, pl, pt, pt-br, se, si, tr",
      "network.gateway: '10.0.3.2' is not inside the subnet 10.0.2.0/24 of '10.0.2.15/24'",
    ]);
  });

  it('a missing file and missing argument are user errors', async () => {
    const missing = path.join(dir, 'missing.toml');
    expect(await run('validate', missing)).toEqual({
      code: 1,
      out: '',
      err: `${missing}: no such file (expected an answer file in TOML)\n`,
    });
    expect((await run('validate')).err).toBe(
      'validate: usage: openve-install validate ANSWER.toml\n',
    );
    expect((await run('validate', '--bogus', 'x')).code).toBe(1);
  });
});

describe('openve-install schema', () => {
  it('prints a JSON Schema with kebab-case keys and no unknown keys allowed', async () => {
    const r = await run('schema');
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.out) as {
      $schema: string;
      properties: Record<
        string,
        { properties?: Record<string, unknown>; additionalProperties?: boolean }
      >;
      required: string[];
      additionalProperties: boolean;
    };
    expect(schema.$schema).toContain('json-schema.org');
    expect(Object.keys(schema.properties)).toEqual([
      'global',
      'network',
      'disk-setup',
      'first-boot',
      'post-installation-webhook',
      'cluster',
    ]);
    expect(schema.required).toEqual(['global', 'network', 'disk-setup']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.global!.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties['disk-setup']!.properties!)).toContain('filter-match');
  });
});

describe('the fixture password never appears in output', () => {
  const variants: Record<string, string> = {
    valid: example,
    'other errors': example.replace('"en-us"', '"xx"').replace('ext4', 'zfs'),
    'too short elsewhere': example.replace('mailto = "admin@openve.lan"', 'mailto = "bad"'),
    'wrong key': example.replace('root-password', 'root-pasword'),
    'wrong table': example.replace('[network]', `[network]\nroot-password = "${PASSWORD}"`),
    'wrong type': example.replace(
      `root-password = "${PASSWORD}"`,
      `root-password = ["${PASSWORD}"]`,
    ),
    'with hash too': example.replace(
      `root-password = "${PASSWORD}"`,
      `root-password = "${PASSWORD}"\nroot-password-hashed = "${PASSWORD}"`,
    ),
    'syntax error on its line': example.replace(
      `root-password = "${PASSWORD}"`,
      `root-password = "${PASSWORD}`,
    ),
    'syntax error after it': example.replace(
      `root-password = "${PASSWORD}"`,
      `root-password = "${PASSWORD}" x`,
    ),
    'as ssh key': example.replace(
      'reboot-mode',
      `root-ssh-keys = ["${PASSWORD}", "ssh-ed25519 ${PASSWORD}"]\nreboot-mode`,
    ),
    'as cluster token': `${example}\n[cluster]\nmode = "create"\nname = "x"\ntoken = "${PASSWORD} x"\n`,
  };
  it.each(Object.entries(variants))('validate: %s', async (name, text) => {
    const r = await run('validate', file(`${name.replace(/ /g, '-')}.toml`, text));
    expect(r.out + r.err).not.toContain(PASSWORD);
    expect(r.out + r.err).not.toContain('passw0rd');
  });

  it('serialize and redact', () => {
    const parsed = parseAnswers(example);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(
      serializeAnswers(parsed.value, {
        hashPassword: () => '$5$saltsalt$9q.2fWeIY0.4u73KEhKAJkB.CdL0Uc0RbNCCgySGSW0',
      }),
    ).not.toContain(PASSWORD);
    // what the engine copies to the target: valid files (and, defensively, broken TOML)
    for (const name of [
      'valid',
      'wrong type',
      'syntax error on its line',
      'syntax error after it',
    ]) {
      expect(redactAnswerText(variants[name]!), name).not.toContain(PASSWORD);
    }
  });
});
