// The node bundles embed templates/cluster/* (provision/templates.generated.ts): they must equal
// the files. After editing a template: UPDATE_TEMPLATES=1 npx vitest run test/unit/provision/templates.test.ts
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { TEMPLATES } from '../../../provision/templates.generated.ts';

const repo = path.resolve(import.meta.dirname, '../../..');
const EMBEDDED_DIRS = ['cluster'];

function current(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const dir of EMBEDDED_DIRS) {
    for (const f of readdirSync(path.join(repo, 'templates', dir))
      .filter((n) => n.endsWith('.hbs'))
      .sort()) {
      out[`${dir}/${f}`] = readFileSync(path.join(repo, 'templates', dir, f), 'utf8');
    }
  }
  return out;
}

test('embedded templates equal templates/ (UPDATE_TEMPLATES=1 regenerates)', () => {
  const files = current();
  if (process.env.UPDATE_TEMPLATES) {
    const body = Object.entries(files)
      .map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},`)
      .join('\n');
    writeFileSync(
      path.join(repo, 'provision/templates.generated.ts'),
      `// GENERATED from templates/${EMBEDDED_DIRS.join(', templates/')} by test/unit/provision/templates.test.ts\n` +
        `// (UPDATE_TEMPLATES=1 npx vitest run test/unit/provision/templates.test.ts); do not edit.\n` +
        `export const TEMPLATES: Record<string, string> = {\n${body}\n};\n`,
    );
    return;
  }
  expect(TEMPLATES).toEqual(files);
});
