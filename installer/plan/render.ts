// Renders templates/*.hbs (loaded from the generated templates.gen.ts) with Handlebars in strict
// mode (a missing field throws instead of printing nothing) and without HTML escaping, through
// the one template pipeline (lib/template.ts), which refuses values that could inject lines.
import type HandlebarsFull from 'handlebars';
// the runtime only: the templates were precompiled by templates/generate.mjs
import HandlebarsRuntime from 'handlebars/runtime.js';
import { createRenderer } from '../../lib/template.ts';
import { TEMPLATES, type TemplateName } from './templates.gen.ts';

export { UnsafeTemplateValue } from '../../lib/template.ts';

const hb = (HandlebarsRuntime as unknown as typeof HandlebarsFull).create();

export const render = createRenderer<TemplateName>((name) =>
  hb.template(TEMPLATES[name] as unknown as Parameters<typeof hb.template>[0]),
);
