// Loads a Handlebars template from templates/. Read at run time (not bundled) so the same code
// works from the source tree (vitest), from dist/ and from an installed node, where the payload
// ships them as /usr/lib/openve/templates. OPENVE_TEMPLATES overrides the directory.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

function candidates(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dirs = [
    process.env.OPENVE_TEMPLATES,
    path.join(here, '../templates'), // provision/ or dist/
    path.join(here, '../../templates'), // dist/standalone/ or provision/cluster/
    path.join(here, 'templates'), // /usr/lib/openve/templates next to the bundle
    '/usr/lib/openve/templates',
  ];
  return dirs.filter((d): d is string => !!d);
}

export function templateText(name: string): string {
  for (const dir of candidates()) {
    const file = path.join(dir, name);
    if (existsSync(file)) return readFileSync(file, 'utf8');
  }
  throw new Error(`template ${name} not found (looked in ${candidates().join(', ')}; set OPENVE_TEMPLATES)`);
}

const compiled = new Map<string, Handlebars.TemplateDelegate>();

export function renderTemplate(name: string, data: object): string {
  let t = compiled.get(name);
  if (!t) {
    t = Handlebars.compile(templateText(name), { strict: true, noEscape: true });
    compiled.set(name, t);
  }
  return t(data);
}
