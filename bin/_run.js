// Shared launcher: runs dist/<name>.js, rebuilding dist/ first when any source is newer.
import { existsSync, statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (/\.(ts|tsx|hbs|css)$/.test(entry.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

export async function run(name) {
  const out = path.join(root, 'dist', `${name}.js`);
  const sourceTree = existsSync(path.join(root, 'installer'));
  if (sourceTree) {
    const built = existsSync(out) ? statSync(out).mtimeMs : 0;
    const src = Math.max(
      ...['lib', 'contracts', 'installer', 'provision', 'iso', 'manager'].map((d) =>
        newestMtime(path.join(root, d)),
      ),
    );
    if (src > built) {
      const { bundle } = await import(pathToFileURL(path.join(root, 'scripts/bundle.mjs')).href);
      await bundle();
    }
  }
  const mod = await import(pathToFileURL(out).href);
  const code = await mod.main(process.argv.slice(2));
  if (typeof code === 'number') process.exitCode = code;
}
