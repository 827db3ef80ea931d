// Handlebars templates from templates/. The bundles that go onto a node carry them embedded
// (templates.generated.ts, kept equal to the files by test/unit/provision/templates.test.ts);
// from the source tree the files themselves are read, and OPENVE_TEMPLATES overrides the directory.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { createRenderer } from '../lib/template.ts';
import { TEMPLATES } from './templates.generated.ts';

function fromDisk(name: string): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dirs = [process.env.OPENVE_TEMPLATES, path.join(here, '../templates')].filter(
    (d): d is string => !!d,
  );
  for (const dir of dirs) {
    const file = path.join(dir, name);
    if (existsSync(file)) return readFileSync(file, 'utf8');
  }
  return undefined;
}

export function templateText(name: string): string {
  const text = fromDisk(name) ?? TEMPLATES[name];
  if (text === undefined)
    throw new Error(`template ${name} not found (set OPENVE_TEMPLATES to the templates directory)`);
  return text;
}

/** Renders through the one template pipeline (lib/template.ts): every value is checked first. */
export const renderTemplate = createRenderer<string>((name) =>
  Handlebars.compile(templateText(name), { strict: true, noEscape: true }),
);
