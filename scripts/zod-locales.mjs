// esbuild plugin: zod 4 re-exports every locale (`z.locales`, `z.core.locales`), ~370 kB of the
// ~1.1 MB that `openve-install auto` loads, and esbuild cannot drop a namespace re-export. Nothing
// here uses them (messages come from contracts/answers/issues.ts; zod's default is English), so the
// locale index resolves to English alone: less to read and compile at every start, which under
// QEMU TCG is part of the install time (issue 10).
import path from 'node:path';

export const zodEnglishOnly = {
  name: 'openve-zod-english-only',
  setup(b) {
    b.onResolve({ filter: /[\\/]locales[\\/]index\.js$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)) return undefined;
      return { path: path.resolve(args.resolveDir, args.path), namespace: 'openve-zod-locales' };
    });
    b.onLoad({ filter: /.*/, namespace: 'openve-zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(path.join(path.dirname(args.path), 'en.js'))};`,
      loader: 'js',
      resolveDir: path.dirname(args.path),
    }));
  },
};
