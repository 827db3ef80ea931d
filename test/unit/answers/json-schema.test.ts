// The JSON Schema for editors agrees with the parser on structure: every answer file the parser
// accepts is valid against it, and unknown keys / wrong types are flagged. Checked with ajv
// (draft-07), which the dev tooling already installs (eslint depends on it).
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { answerFileJsonSchema } from '../../../contracts/answers/schema.ts';
import { parseAnswers } from '../../../installer/answers/parse.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
type Validate = ((data: unknown) => boolean) & {
  errors?: { dataPath?: string; message?: string }[] | null;
};
const Ajv = createRequire(import.meta.url)('ajv') as new (opts: object) => {
  compile(schema: object): Validate;
};
const validate = new Ajv({ allErrors: true }).compile(answerFileJsonSchema());

const dirs = ['test/fixtures/answers/proxmox', 'test/golden/answers/ok', 'examples'];
const accepted = dirs
  .flatMap((d) => {
    try {
      return readdirSync(path.join(root, d))
        .filter((f) => f.endsWith('.toml'))
        .map((f) => path.join(root, d, f));
    } catch {
      return [];
    }
  })
  .filter((f) => parseAnswers(readFileSync(f, 'utf8')).ok)
  // the editor schema lists kebab-case keys only; Proxmox's old snake_case aliases are flagged there
  .filter((f) => !/\b[a-z]+_[a-z_]+\s*=/.test(readFileSync(f, 'utf8')));

describe('answer file JSON Schema', () => {
  it('is draft-07 with strict tables', () => {
    const schema = answerFileJsonSchema() as { $schema: string; additionalProperties: boolean };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.additionalProperties).toBe(false);
  });

  it('accepts every answer file the parser accepts', () => {
    expect(accepted.length).toBeGreaterThan(10);
    for (const file of accepted) {
      const ok = validate(parseToml(readFileSync(file, 'utf8')));
      expect(ok, `${path.relative(root, file)}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('flags unknown keys, wrong types and bad enum values', () => {
    const doc = parseToml(readFileSync(path.join(root, 'examples/answer.toml'), 'utf8')) as Record<
      string,
      Record<string, unknown>
    >;
    doc.global!.fqnd = 'x';
    doc.network!.vlan = 5000;
    doc['disk-setup']!.filesystem = 'ext5';
    expect(validate(doc)).toBe(false);
    expect(validate.errors!.length).toBeGreaterThanOrEqual(3);
  });
});
