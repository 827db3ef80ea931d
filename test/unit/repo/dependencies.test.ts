// Every package the shipped code imports is a declared runtime dependency, and every declared
// dependency is imported somewhere. A fresh `npm ci` installs only what package.json names: a
// dependency dropped while code still imports it passes on a machine with an old node_modules and
// breaks the bundle on a fresh one (it did: `tar/header`).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const SHIPPED = ['lib', 'contracts', 'installer', 'iso', 'provision', 'manager'];
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|tsx)$/.test(name)) out.push(p);
  }
  return out;
}

function packageOf(spec: string): string | undefined {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) return undefined;
  const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
  return builtinModules.includes(name) ? undefined : name;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importedPackages(): Map<string, string> {
  const found = new Map<string, string>();
  for (const area of SHIPPED) {
    let files: string[];
    try {
      files = sources(path.join(root, area));
    } catch {
      continue;
    }
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const name = packageOf(m[1] ?? m[2]!);
        if (name && !found.has(name)) found.set(name, path.relative(root, file));
      }
    }
  }
  return found;
}

describe('package.json dependencies', () => {
  const imported = importedPackages();

  it('declares every package the shipped code imports as a runtime dependency', () => {
    const missing = [...imported]
      .filter(([name]) => !(name in pkg.dependencies))
      .map(([n, f]) => `${n} (${f})`);
    expect(missing).toEqual([]);
  });

  it('declares no runtime dependency that nothing imports', () => {
    // bundled by esbuild at build time, or pulled in by name at run time
    const used = new Set([...imported.keys(), 'esbuild']);
    expect(Object.keys(pkg.dependencies).filter((name) => !used.has(name))).toEqual([]);
  });
});
