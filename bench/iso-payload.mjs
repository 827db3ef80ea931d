// Payload format benchmark (issue 4): squashfs zstd vs tar.zst at several levels, on the real
// target payload tree. Size, build time, extraction time onto ext4 (+ sync, loop device), as
// root. Reads the cached payload (build it first: npm run build-iso). Writes
// bench/results/iso-payload.json.   usage: node bench/iso-payload.mjs [--levels 3,9,15,19]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cache = process.env.OPENVE_CACHE_DIR ?? '/var/cache/openve';
const levelsArg = process.argv.indexOf('--levels');
const levels = (levelsArg > 0 ? process.argv[levelsArg + 1] : '3,9,15').split(',').map(Number);
const env = { ...process.env, PATH: `/usr/sbin:/sbin:${process.env.PATH}` };
const run = (argv, opts = {}) =>
  execFileSync(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], env, ...opts });
const sh = (script, ...args) => run(['bash', '-c', script, 'bench', ...args]); // fixed scripts, paths as $1..
const timed = (f) => {
  const t = performance.now();
  f();
  return Math.round(performance.now() - t) / 1000;
};

const entry = readdirSync(cache).find(
  (n) => n.startsWith('target-') && existsSync(path.join(cache, n, 'payload-base.tar.zst')),
);
if (!entry) throw new Error(`no cached target payload in ${cache}: run npm run build-iso first`);
const base = path.join(cache, entry, 'payload-base.tar.zst');
const work = path.join(cache, 'bench');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const tree = path.join(work, 'tree');
mkdirSync(tree);
// The cached stream has no end-of-archive blocks: tar warns but extracts everything.
run([
  'tar',
  '--zstd',
  '-xpf',
  base,
  '-C',
  tree,
  '--xattrs',
  '--xattrs-include=*',
  '--acls',
  '--numeric-owner',
  '--warning=no-alone-zero-block',
]);
const treeBytes = Number(run(['du', '-sb', tree]).toString().split('\t')[0]);

// Extraction target: a fresh ext4 on a loop device for every run.
const img = path.join(work, 'ext4.img');
const mnt = path.join(work, 'mnt');
mkdirSync(mnt);
function extractTime(extract) {
  rmSync(img, { force: true });
  run(['truncate', '-s', '8G', img]);
  run(['mkfs.ext4', '-q', '-F', img]);
  run(['mount', '-o', 'loop', img, mnt]);
  try {
    return timed(() => {
      extract(mnt);
      run(['sync']);
    });
  } finally {
    run(['umount', mnt]);
    rmSync(img, { force: true });
  }
}

const results = [];
const sq = path.join(work, 'payload.squashfs');
const sqBuild = timed(() =>
  run(['mksquashfs', tree, sq, '-comp', 'zstd', '-b', '1M', '-noappend', '-no-progress', '-quiet']),
);
results.push({
  format: 'squashfs zstd -b 1M',
  bytes: statSync(sq).size,
  buildSeconds: sqBuild,
  extractSeconds: extractTime((d) => run(['unsquashfs', '-q', '-f', '-d', d, sq])),
  keepsAcls: false,
});
rmSync(sq);
for (const level of levels) {
  const out = path.join(work, `payload-${level}.tar.zst`);
  const build = timed(() =>
    sh(
      'tar -C "$1" --create --numeric-owner --xattrs --xattrs-include="*" --acls --sort=name -b1 -f - . | zstd -q -T0 -"$3" -o "$2" -f',
      tree,
      out,
      String(level),
    ),
  );
  results.push({
    format: `tar | zstd -${level} -T0`,
    bytes: statSync(out).size,
    buildSeconds: build,
    extractSeconds: extractTime((d) =>
      run([
        'tar',
        '--zstd',
        '-xpf',
        out,
        '-C',
        d,
        '--xattrs',
        '--xattrs-include=*',
        '--acls',
        '--numeric-owner',
      ]),
    ),
    keepsAcls: true,
  });
  rmSync(out);
}
rmSync(work, { recursive: true, force: true });
const report = {
  date: new Date().toISOString(),
  payload: entry,
  treeBytes,
  cores: (await import('node:os')).cpus().length,
  results,
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(
  path.join(root, 'bench/results/iso-payload.json'),
  JSON.stringify(report, null, 2) + '\n',
);
for (const r of results)
  console.log(
    `${r.format.padEnd(22)} ${(r.bytes / 1048576).toFixed(0).padStart(5)} MiB  build ${String(r.buildSeconds).padStart(6)} s  extract ${String(r.extractSeconds).padStart(5)} s`,
  );
