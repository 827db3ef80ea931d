// parseAnswers never throws: random text, random TOML documents, and mutations of valid files.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml, stringify } from 'smol-toml';
import { parseAnswers } from '../../../installer/answers/parse.ts';
import { serializeAnswers } from '../../../installer/answers/serialize.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const example = readFileSync(path.join(root, 'examples/answer.toml'), 'utf8');
const valid = readFileSync(
  path.join(root, 'test/fixtures/answers/proxmox/test-nic-matching.toml'),
  'utf8',
);

function wellFormed(text: string): void {
  let result: ReturnType<typeof parseAnswers> | undefined;
  expect(() => (result = parseAnswers(text))).not.toThrow();
  if (!result!.ok) {
    expect(result!.issues.length).toBeGreaterThan(0);
    for (const issue of result!.issues) {
      expect(typeof issue.path).toBe('string');
      expect(issue.message.length).toBeGreaterThan(0);
      // parseAnswers turns its own exceptions into this issue: a bug, not an answer problem
      expect(issue.message).not.toMatch(/^internal error/);
    }
  }
}

// Values TOML can hold (no undefined/null), for random documents and replacements.
const tomlValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: false }),
    fc.boolean(),
    fc.constantFrom(
      'raid1',
      'RAID10',
      'from-answer',
      'from-dhcp',
      'zfs',
      'btrfs',
      '10.0.0.1/24',
      'sda',
      '*',
      '',
    ),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 12 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const KEYS = [
  'global',
  'network',
  'disk-setup',
  'first-boot',
  'post-installation-webhook',
  'cluster',
  'fqdn',
  'root-password',
  'root_password',
  'disk-list',
  'disk_list',
  'filter',
  'filter-match',
  'lvm',
  'btrfs',
  'zfs',
  'raid',
  'source',
  'cidr',
  'gateway',
  'interface-name-pinning',
  'mapping',
  'enabled',
  'bond',
  'vlan',
  'mode',
  'token',
  'swapsize',
  'hdsize',
];

// fixed run counts; the generous timeout is for a loaded CI machine, not for more runs
describe('parseAnswers never throws', { timeout: 60_000 }, () => {
  it('on random text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), wellFormed), {
      numRuns: 300,
    });
  });

  it('on random TOML documents using answer-file keys', () => {
    const doc = fc.dictionary(
      fc.constantFrom(...KEYS),
      fc.dictionary(fc.constantFrom(...KEYS), tomlValue, { maxKeys: 6 }),
      { maxKeys: 6 },
    );
    fc.assert(
      fc.property(doc, (d) => {
        let text: string;
        try {
          text = stringify(d);
        } catch {
          return; // not representable in TOML (e.g. NaN inside arrays in some versions)
        }
        wellFormed(text);
      }),
      { numRuns: 300 },
    );
  });

  it('on a valid file with one value replaced anywhere', () => {
    const base = parseToml(valid) as Record<string, Record<string, unknown>>;
    const paths: string[][] = [];
    const walk = (node: unknown, at: string[]) => {
      if (node && typeof node === 'object' && !Array.isArray(node)) {
        for (const [k, v] of Object.entries(node)) {
          paths.push([...at, k]);
          walk(v, [...at, k]);
        }
      }
    };
    walk(base, []);
    fc.assert(
      fc.property(fc.constantFrom(...paths), tomlValue, fc.boolean(), (at, value, remove) => {
        const doc = structuredClone(base) as Record<string, unknown>;
        let node = doc;
        for (const seg of at.slice(0, -1)) node = node[seg] as Record<string, unknown>;
        if (remove) delete node[at[at.length - 1]!];
        else node[at[at.length - 1]!] = value;
        wellFormed(stringify(doc));
      }),
      { numRuns: 400 },
    );
  });

  it('on textual mutations of valid files', () => {
    const mutation = fc.oneof(
      fc.record({
        kind: fc.constant('delete' as const),
        at: fc.nat(),
        len: fc.integer({ min: 1, max: 20 }),
      }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(),
        text: fc.oneof(
          fc.string({ maxLength: 10 }),
          fc.constantFrom('[', ']', '"', "'", '=', '\n', '.', '[[global]]\n', '"""', '{', '}'),
        ),
      }),
      fc.record({ kind: fc.constant('swap-lines' as const), a: fc.nat(), b: fc.nat() }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(example, valid),
        fc.array(mutation, { minLength: 1, maxLength: 5 }),
        (start, mutations) => {
          let text = start;
          for (const m of mutations) {
            if (m.kind === 'delete') {
              const at = m.at % (text.length + 1);
              text = text.slice(0, at) + text.slice(at + m.len);
            } else if (m.kind === 'insert') {
              const at = m.at % (text.length + 1);
              text = text.slice(0, at) + m.text + text.slice(at);
            } else {
              const lines = text.split('\n');
              const a = m.a % lines.length;
              const b = m.b % lines.length;
              [lines[a], lines[b]] = [lines[b]!, lines[a]!];
              text = lines.join('\n');
            }
          }
          wellFormed(text);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('serialize -> parse is the identity on what parse accepts (mutated valid files)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('de', 'en-us', 'fr-ch'),
        fc.constantFrom('raid0', 'raid1', 'raid10'),
        fc.integer({ min: 1, max: 4094 }),
        (kb, raid, vlan) => {
          const text = valid
            .replace('keyboard = "de"', `keyboard = "${kb}"`)
            .replace(
              'filesystem = "ext4"\ndisk-list = ["sda"]',
              `filesystem = "btrfs"\nbtrfs.raid = "${raid}"\ndisk-list = ["sda", "sdb", "sdc", "sdd"]`,
            )
            .replace('[network]', `[network]\nvlan = ${vlan}`);
          const first = parseAnswers(text);
          expect(first.ok).toBe(true);
          if (!first.ok) return;
          const again = parseAnswers(
            serializeAnswers(first.value, {
              hashPassword: () => '$5$saltsalt$9q.2fWeIY0.4u73KEhKAJkB.CdL0Uc0RbNCCgySGSW0',
            }),
          );
          expect(
            again.ok && { ...again.value, global: { ...again.value.global, rootPassword: null } },
          ).toEqual({
            ...first.value,
            global: { ...first.value.global, rootPassword: null },
          });
        },
      ),
      { numRuns: 50 },
    );
  });
});
