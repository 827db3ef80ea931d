// Builds dist/ from the TypeScript sources with esbuild.
// dev (default): commands are split into lazy chunks, so `openve-install validate` never loads
//   ink/react; the small pure-JS packages on validate's path (zod, smol-toml, ipaddr.js) are bundled
//   (loading zod as ~100 files costs ~100 ms of start-up), the heavy ones stay external.
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

const devtoolsStub = {
  name: 'react-devtools-core-stub',
  setup(b) {
    b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'openve-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'openve-stub' }, () => ({
      contents: 'export default { initialize() {}, connectToDevTools() {} };',
      loader: 'js',
    }));
  },
};

const devExternal = ['ink', 'react', 'react/*', '@inkjs/ui', 'execa', 'systeminformation', 'handlebars', 'tar', 'esbuild', 'ink-testing-library'];

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
    external: standalone ? [] : devExternal,
    // ink loads react-devtools-core only when DEV=true; it is not installed: bundle an empty stand-in.
    plugins: standalone ? [devtoolsStub] : [],
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
