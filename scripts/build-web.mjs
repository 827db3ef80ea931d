// Builds the web interface (manager/web) into static files with content-hashed names:
//   OUT/index.html                       (served with no-cache)
//   OUT/assets/app-HASH.js, chunk-HASH.js, app-HASH.css, fonts  (served immutable, a year)
// plus a .gz beside every js/css file (served to browsers that accept gzip).
// noVNC and xterm.js are loaded only when a console opens (lazy chunks).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// zod re-exports its ~40 message locales as a namespace (z.locales), which esbuild cannot drop:
// ~250 KB minified the browser never uses. Only English is kept (what the API answers in too).
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[/\\]zod[/\\]v4[/\\]/.test(args.importer)
        ? {
            path: path.join(path.dirname(args.importer), '../locales/en.js'),
            namespace: 'zod-locales',
          }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

export async function buildWeb({ outdir = path.join(root, 'dist', 'web') } = {}) {
  rmSync(outdir, { recursive: true, force: true });
  const assets = path.join(outdir, 'assets');
  mkdirSync(assets, { recursive: true });
  const result = await build({
    entryPoints: { app: path.join(root, 'manager/web/main.tsx') },
    outdir: assets,
    publicPath: '/assets',
    bundle: true,
    platform: 'browser',
    format: 'esm',
    splitting: true,
    minify: true,
    target: ['chrome111', 'firefox115', 'safari16.4'],
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    assetNames: '[name]-[hash]',
    loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.svg': 'file' },
    jsx: 'automatic',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [zodEnglishOnly],
    // metafile paths are relative to this: the repository, not wherever the command was started
    absWorkingDir: root,
  });
  const outputs = result.metafile.outputs;
  const entry = Object.keys(outputs).find((f) => outputs[f].entryPoint && f.endsWith('.js'));
  if (!entry) throw new Error('web build: no entry output');
  const url = (f) => `/assets/${path.basename(f)}`;
  const css = outputs[entry].cssBundle;
  // what the first view loads: the entry, the chunks it imports statically, its CSS
  const initial = new Set([entry]);
  for (const f of initial)
    for (const i of outputs[f].imports)
      if (i.kind === 'import-statement' && !i.external) initial.add(i.path);
  // the entry's static chunks are announced in the page, so the browser fetches them with the
  // entry instead of after it (one round trip and a parse less before the first render)
  const preloads = [...initial]
    .filter((f) => f !== entry)
    .map((f) => `<link rel="modulepreload" href="${url(f)}">`)
    .join('\n');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>openve</title>
${css ? `<link rel="stylesheet" href="${url(css)}">` : ''}
<script type="module" src="${url(entry)}"></script>
${preloads}
</head>
<body>
<div id="root"></div>
<noscript>The openve web interface needs JavaScript.</noscript>
</body>
</html>
`;
  writeFileSync(path.join(outdir, 'index.html'), html);
  const sizes = {};
  for (const f of Object.keys(outputs)) {
    if (!/\.(js|css)$/.test(f)) continue;
    const abs = path.resolve(root, f);
    const gz = gzipSync(readFileSync(abs), { level: 9 });
    writeFileSync(`${abs}.gz`, gz);
    sizes[path.basename(f)] = gz.length;
  }
  const initialJsGzip = [...initial].reduce((n, f) => n + (sizes[path.basename(f)] ?? 0), 0);
  const manifest = {
    entry: url(entry),
    css: css ? url(css) : null,
    initialJsGzip,
    cssGzip: css ? sizes[path.basename(css)] : 0,
    files: sizes,
  };
  writeFileSync(path.join(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ? path.resolve(process.argv[2]) : undefined;
  const m = await buildWeb(out ? { outdir: out } : {});
  process.stdout.write(
    `web: ${m.entry} (initial JS ${(m.initialJsGzip / 1024).toFixed(1)} KiB gzip, CSS ${(m.cssGzip / 1024).toFixed(1)} KiB gzip)\n`,
  );
}
