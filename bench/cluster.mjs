// Cluster budgets (issue 6), with real corosync 3 nodes in network namespaces (as root):
//   join:    `pveca -a -h MASTER` started -> quorate membership with the new node visible by
//            `pveca -l` on ALL nodes (budget < 10 s)
//   failure: a node's corosync SIGKILLed -> seen offline by `pveca -l` on every other node
//            (budget < 5 s; totem token 1000 ms)
// usage: node bench/cluster.mjs [--nodes 3] [--rounds 3]   writes bench/results/cluster.json
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const nodes = arg('--nodes', 3);
const rounds = arg('--rounds', 3);
if (process.getuid?.() !== 0)
  throw new Error('bench/cluster.mjs needs root (network namespaces, corosync)');

// one implementation of the lab: the integration test's, bundled on the fly
// inside the repository (.cache/ is ignored) so that its imports resolve from node_modules
mkdirSync(path.join(root, '.cache'), { recursive: true });
const tmp = mkdtempSync(path.join(root, '.cache', 'bench-cluster-'));
const labFile = path.join(tmp, 'lab.mjs');
await build({
  entryPoints: [path.join(root, 'test/integration/clusterLab.ts')],
  outfile: labFile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
});
const { ClusterLab, until } = await import(pathToFileURL(labFile).href);

const TOKEN = 'bench-token-0123456789';
const lab = new ClusterLab(nodes);
const list = async (n) => {
  const r = await lab.pveca_(n, ['-l', '--json']);
  return r.exitCode === 0 ? JSON.parse(r.stdout) : undefined;
};
const seconds = (ms) => Math.round(ms) / 1000;
const result = {
  date: new Date().toISOString(),
  nodes,
  corosync: '',
  join: [],
  failure: [],
  budgets: { joinSeconds: 10, failureSeconds: 5 },
};

try {
  result.corosync = execFileSync('corosync', ['-v'], {
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
  })
    .toString()
    .split('\n')[0]
    .trim();
  await lab.setup();
  const [master, ...others] = lab.nodes;
  const c = await lab.pveca_(master, [
    '-c',
    '--name',
    'bench',
    '--token',
    TOKEN,
    '--node-name',
    master.name,
  ]);
  if (c.exitCode !== 0) throw new Error(`pveca -c failed: ${c.stderr}`);
  let members = 1;
  for (const n of others) {
    members++;
    const started = performance.now();
    const j = await lab.pveca_(n, [
      '-a',
      '-h',
      master.address,
      '--token',
      TOKEN,
      '--node-name',
      n.name,
    ]);
    if (j.exitCode !== 0) throw new Error(`pveca -a on ${n.name} failed: ${j.stderr}`);
    const pvecaDone = performance.now() - started;
    const want = members;
    const all = await until(
      async () => {
        const views = await Promise.all(lab.nodes.slice(0, want).map(list));
        return views.every((v) => v && v.quorate && v.nodes.filter((x) => x.online).length === want)
          ? views
          : undefined;
      },
      30_000,
      50,
    );
    if (!all)
      throw new Error(`${n.name}: membership of ${want} not visible on all nodes within 30 s`);
    result.join.push({
      node: n.name,
      members: want,
      pvecaSeconds: seconds(pvecaDone),
      visibleOnAllSeconds: seconds(performance.now() - started),
    });
  }

  const victim = lab.nodes[lab.nodes.length - 1];
  const watchers = lab.nodes.filter((n) => n !== victim);
  for (let r = 0; r < rounds; r++) {
    const started = performance.now();
    await lab.killCorosync(victim);
    const seen = await until(
      async () => {
        const views = await Promise.all(watchers.map(list));
        return views.every(
          (v) => v && v.quorate && v.nodes.find((x) => x.name === victim.name)?.online === false,
        )
          ? views
          : undefined;
      },
      30_000,
      50,
    );
    if (!seen) throw new Error(`round ${r + 1}: ${victim.name} not seen offline within 30 s`);
    result.failure.push({
      round: r + 1,
      seenOfflineOnAllSeconds: seconds(performance.now() - started),
      quorumKept: true,
    });
    if (r < rounds - 1) {
      await lab.startCorosync(victim);
      const back = await until(
        async () => {
          const views = await Promise.all(lab.nodes.map(list));
          return views.every((v) => v && v.nodes.every((x) => x.online)) ? views : undefined;
        },
        30_000,
        100,
      );
      if (!back) throw new Error(`round ${r + 1}: ${victim.name} did not come back`);
    }
  }
  // what one `pveca -l` costs (node start-up + corosync-quorumtool): part of every figure above
  const lat = [];
  for (let i = 0; i < 5; i++) lat.push((await lab.pveca_(master, ['-l', '--json'])).ms);
  result.pvecaListSeconds = seconds(lat.sort((a, b) => a - b)[2]);
  const max = (xs) => Math.max(...xs);
  result.summary = {
    joinToQuorateOnAllMaxSeconds: max(result.join.map((j) => j.visibleOnAllSeconds)),
    failureSeenOfflineMaxSeconds: max(result.failure.map((f) => f.seenOfflineOnAllSeconds)),
  };
  result.summary.withinBudget =
    result.summary.joinToQuorateOnAllMaxSeconds < result.budgets.joinSeconds &&
    result.summary.failureSeenOfflineMaxSeconds < result.budgets.failureSeconds;
} finally {
  await lab.teardown();
  rmSync(tmp, { recursive: true, force: true });
}
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(
  path.join(root, 'bench/results/cluster.json'),
  JSON.stringify(result, null, 2) + '\n',
);
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
process.exitCode = result.summary?.withinBudget ? 0 : 1;
