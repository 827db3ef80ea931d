// Builds dist/ from the TypeScript sources with esbuild.
// dev (default): dependencies stay external and commands are split into lazy chunks, so
//   `openve-install validate` never loads ink/react (start-up budget).
// --standalone: one self-contained file per entry (for the live ISO and installed nodes).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const entryPoints = {
  cli: path.join(root, 'installer/cli.ts'),
  pveca: path.join(root, 'provision/pveca.ts'),
  firstboot: path.join(root, 'provision/firstboot.ts'),
};

export async function bundle({ standalone = false, outdir = path.join(root, 'dist') } = {}) {
  const { existsSync } = await import('node:fs');
  const entries = Object.fromEntries(Object.entries(entryPoints).filter(([, f]) => existsSync(f)));
  await build({
    entryPoints: entries,
    outdir: standalone ? path.join(outdir, 'standalone') : outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    splitting: !standalone,
    packages: standalone ? 'bundle' : 'external',
    // ink imports react-devtools-core only when DEV=true (dynamic import); it is not installed.
    external: standalone ? ['react-devtools-core'] : [],
    jsx: 'automatic',
    sourcemap: !standalone,
    legalComments: 'none',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
    // CJS dependencies inlined into ESM need a require().
    banner: standalone
      ? { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" }
      : {},
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundle({ standalone: process.argv.includes('--standalone') });
}
