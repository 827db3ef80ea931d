// scripts/zod-locales.mjs: bundles keep zod's English messages and drop its other ~50 locales.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { build } from 'esbuild';
// @ts-expect-error: a plain .mjs build script without types
import { zodEnglishOnly } from '../../../scripts/zod-locales.mjs';

const REPO = path.resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(path.join(tmpdir(), 'openve-zod-locales-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function bundle(name: string, plugins: unknown[]): Promise<string> {
  const entry = path.join(dir, `${name}-entry.mjs`);
  writeFileSync(
    entry,
    [
      "import * as z from 'zod';",
      "import * as zm from 'zod/mini';",
      'const r = z.object({ a: z.number() }).safeParse({ a: "x" });',
      'const m = zm.safeParse(zm.string(), 1);',
      'export const out = { locales: Object.keys(z.locales), core: Object.keys(z.core.locales),',
      '  message: r.error.issues[0].message, mini: m.error.issues[0].message };',
    ].join('\n'),
  );
  const outfile = path.join(dir, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    nodePaths: [path.join(REPO, 'node_modules')],
    plugins: plugins as never,
    logLevel: 'silent',
  });
  return outfile;
}

// two esbuild runs of zod: ~1 s alone, several on a loaded machine
describe('zodEnglishOnly', { timeout: 60_000 }, () => {
  test('only English is bundled; messages stay English; the bundle shrinks by more than half', async () => {
    const [plain, english] = await Promise.all([
      bundle('plain', []),
      bundle('english', [zodEnglishOnly]),
    ]);
    const { out } = (await import(pathToFileURL(english).href)) as {
      out: { locales: string[]; core: string[]; message: string; mini: string };
    };
    expect(out.locales).toEqual(['en']);
    expect(out.core).toEqual(['en']);
    expect(out.message).toMatch(/^Invalid input: expected number, received string$/);
    expect(out.mini).toMatch(/^Invalid input: expected string, received number$/);
    const withLocales = readFileSync(plain, 'utf8');
    const without = readFileSync(english, 'utf8');
    expect(withLocales).toContain('zod/v4/locales/he.js');
    expect(without).not.toContain('zod/v4/locales/he.js');
    expect(without.length).toBeLessThan(withLocales.length / 2);
  });
});
