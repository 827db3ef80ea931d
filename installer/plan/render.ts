// Renders templates/*.hbs (loaded from the generated templates.gen.ts) with Handlebars in strict
// mode (a missing field throws instead of printing nothing) and without HTML escaping. Every
// value is checked before it reaches a template: config files are line-oriented, so a value with
// a newline or control character could inject lines (a second `address`, a stray fstab entry).
import type HandlebarsFull from 'handlebars';
// the runtime only: the templates were precompiled by templates/generate.mjs
import HandlebarsRuntime from 'handlebars/runtime.js';
import { TEMPLATES, type TemplateName } from './templates.gen.ts';

const hb = (HandlebarsRuntime as unknown as typeof HandlebarsFull).create();
const compiled = new Map<TemplateName, HandlebarsFull.TemplateDelegate>();

/** A template input value that cannot break out of its line. */
export class UnsafeTemplateValue extends Error {}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f]/;

function check(value: unknown, where: string): void {
  if (typeof value === 'string') {
    if (UNSAFE.test(value))
      throw new UnsafeTemplateValue(`${where}: contains a line break or control character`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => check(v, `${where}[${i}]`));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) check(v, `${where}.${k}`);
  } else if (value !== null && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new UnsafeTemplateValue(`${where}: unsupported value`);
  }
}

export function render(name: TemplateName, data: Record<string, unknown>): string {
  check(data, name);
  let fn = compiled.get(name);
  if (!fn) {
    fn = hb.template(TEMPLATES[name] as unknown as Parameters<typeof hb.template>[0]);
    compiled.set(name, fn);
  }
  return fn(data);
}
