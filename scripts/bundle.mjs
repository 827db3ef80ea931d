// Builds dist/ from the TypeScript sources with esbuild.
// dev (default): commands are split into lazy chunks, so `openve-install validate` never loads
//   ink/react; dependencies are inlined too (loading zod or ink as hundreds of small files costs
//   100-400 ms of start-up), except the ones that must stay on disk.
// --standalone: self-contained (no external packages) for the live ISO and installed nodes; split
//   the same way, so `openve-install auto` does not parse the UI (a 2.2 MB single file cost 40-60 ms
//   more at every start here, ~2 s under QEMU TCG). Ship the whole directory.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { buildWeb } from './build-web.mjs';
import { zodEnglishOnly } from './zod-locales.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const entryPoints = {
  cli: path.join(root, 'installer/cli.ts'),
  pveca: path.join(root, 'provision/pveca.ts'),
  firstboot: path.join(root, 'provision/firstboot.ts'),
  'openve-manager': path.join(root, 'manager/server/main.ts'),
  openve: path.join(root, 'manager/cli/main.ts'),
};

// Stand-ins for two of ink's dependencies:
// - react-devtools-core: loaded only when DEV=true, and not installed.
// - is-in-ci: with CI set in the environment ink draws nothing until exit; the installer only runs
//   on a real terminal (it refuses otherwise), so it must always draw.
const stubs = {
  'react-devtools-core': 'export default { initialize() {}, connectToDevTools() {} };',
  'is-in-ci': 'export default false;',
};
const stubPlugin = {
  name: 'openve-stubs',
  setup(b) {
    b.onResolve({ filter: /^(react-devtools-core|is-in-ci)$/ }, (args) => ({
      path: args.path,
      namespace: 'openve-stub',
    }));
    b.onLoad({ filter: /.*/, namespace: 'openve-stub' }, (args) => ({
      contents: stubs[args.path],
      loader: 'js',
    }));
  },
};

// Only packages that must stay files on disk (esbuild has a native binary) stay external.
// ws requires its optional native helpers inside try/catch: leave them unresolved.
const devExternal = ['esbuild', 'bufferutil', 'utf-8-validate'];

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
    splitting: true,
    external: standalone ? ['bufferutil', 'utf-8-validate'] : devExternal,
    plugins: [stubPlugin, zodEnglishOnly],
    jsx: 'automatic',
    sourcemap: !standalone,
    legalComments: 'none',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
    // CJS dependencies inlined into ESM need a require().
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  // the web interface, beside the manager's bundle (manager/server/web.ts looks there)
  if (existsSync(path.join(root, 'manager/web/main.tsx')))
    await buildWeb({
      outdir: path.join(standalone ? path.join(outdir, 'standalone') : outdir, 'web'),
    });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundle({ standalone: process.argv.includes('--standalone') });
}
