// contracts/answer.schema.json is the committed answer-file JSON Schema (editors and other tools
// read it from the repository): it must be exactly what `openve-install schema` prints.
// After a deliberate change: `UPDATE_SCHEMA=1 npx vitest run test/unit/contracts/schema-file.test.ts`.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { run } from '../../../installer/commands/schema.ts';

const file = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../contracts/answer.schema.json',
);

async function printed(): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  try {
    expect(await run([])).toBe(0);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('contracts/answer.schema.json', () => {
  it('does not drift from `openve-install schema`', async () => {
    const out = await printed();
    if (process.env.UPDATE_SCHEMA) writeFileSync(file, out);
    expect(
      readFileSync(file, 'utf8'),
      'run with UPDATE_SCHEMA=1 after changing the answer schema',
    ).toBe(out);
  });
});
