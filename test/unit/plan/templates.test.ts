import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { render, UnsafeTemplateValue } from '../../../installer/plan/render.ts';
// @ts-expect-error -- plain .mjs script without types
import { generate, outFile } from '../../../templates/generate.mjs';

describe('templates', () => {
  test('installer/plan/templates.gen.ts is up to date (run `node templates/generate.mjs`)', () => {
    expect(readFileSync(outFile as string, 'utf8')).toBe((generate as () => string)());
  });
  test('strict: a missing field throws instead of rendering nothing', () => {
    expect(() => render('timezone', {})).toThrow(/"timezone" not defined/);
  });
  test('no HTML escaping', () => {
    expect(render('locale', { lang: 'a&b<c>' })).toContain('LANG=a&b<c>\n');
  });
  test('a value with a newline is refused before rendering', () => {
    expect(() => render('timezone', { timezone: 'UTC\nevil' })).toThrow(UnsafeTemplateValue);
  });
});
