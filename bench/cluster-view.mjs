// Cluster view budgets (issue 14): 3 managers x 100 guests, each with its own pveca cluster root
// (real openssl CA, real join protocol, corosync faked), on 127.0.0.41-43 in this one process
// (so the fan-out's peers share its CPU: a pessimistic setting on the 2-core host):
//   resources: GET /api/v1/cluster/resources over HTTPS (keep-alive, sequential) from every node:
//              p50/p99 (budget p99 < 50 ms); baseline in the same run: the node's own
//              GET /api/v1/nodes/{node}/guests (ratio of p99s reported)
//   offline:   a member's manager stopped -> shown offline in every other node's view: time of the
//              first answer that says so (budget < 5 s; a refused connection is seen at once, a
//              silent host after the 2 s per-member timeout)
// usage: node bench/cluster-view.mjs [--requests 300] [--guests 100]   -> bench/results/cluster-view.json
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const requests = arg('--requests', 300);
const guestsPerNode = arg('--guests', 100);

mkdirSync(path.join(root, '.cache'), { recursive: true });
const tmp = mkdtempSync(path.join(root, '.cache', 'bench-cluster-view-'));
const entry = path.join(tmp, 'entry.mjs');
await build({
  stdin: {
    contents: `
      export { startManager } from './manager/server/manager.ts';
      export { createCluster, joinCluster } from './provision/cluster/commands/index.ts';
      export { startServer } from './provision/cluster/server.ts';
      export { createRunner } from './lib/exec/index.ts';
      export { clusterNode, freePort } from './test/unit/provision/clusterNode.ts';
    `,
    resolveDir: root,
    loader: 'ts',
  },
  outfile: entry,
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
});
const lib = await import(pathToFileURL(entry).href);

const work = mkdtempSync(path.join(os.tmpdir(), 'openve-bench-cv-'));
const names = ['cv1', 'cv2', 'cv3'];
const ips = ['127.0.0.41', '127.0.0.42', '127.0.0.43'];
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 100) / 100;
};
const services = [];
const managers = [];
const result = {
  date: new Date().toISOString(),
  nodes: 3,
  guestsPerNode,
  requests,
  budgets: { p99Ms: 50, offlineSeconds: 5 },
};

function get(m, url, agent) {
  return new Promise((resolve, reject) => {
    const u = new URL(url, m.url);
    const t0 = performance.now();
    https
      .get(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          agent,
          rejectUnauthorized: false,
          headers: { authorization: `Bearer ${m.rootToken}` },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () =>
            resolve({
              ms: performance.now() - t0,
              status: res.statusCode,
              body: JSON.parse(Buffer.concat(chunks).toString()),
            }),
          );
        },
      )
      .on('error', reject);
  });
}

try {
  const port = await lib.freePort();
  const peerPort = await lib.freePort();
  const nodes = names.map((n) => lib.clusterNode(work, n));
  const created = await lib.createCluster(nodes[0].ctx, {
    clusterName: 'bench',
    token: 'bench-cluster-view-token',
    nodeName: names[0],
    address: ips[0],
    port,
  });
  for (let i = 0; i < 3; i++) {
    if (i > 0)
      await lib.joinCluster(nodes[i].ctx, {
        master: ips[0],
        port,
        token: 'bench-cluster-view-token',
        fingerprint: created.fingerprint,
        nodeName: names[i],
        address: ips[i],
      });
    services.push(
      await lib.startServer({ ...nodes[i].ctx, log: () => undefined }, { port, host: ips[i] }),
    );
  }
  for (let i = 0; i < 3; i++) {
    const dir = path.join(nodes[i].paths.root, 'manager', 'guests');
    mkdirSync(dir, { recursive: true });
    for (let g = 0; g < guestsPerNode; g++) {
      const id = 1000 * (i + 1) + g;
      writeFileSync(
        path.join(dir, `${id}.json`),
        JSON.stringify({
          kind: 'vm',
          config: { id, name: `g${id}`, vcpus: 1, memory: 64, disks: [], nics: [] },
        }),
      );
    }
    const runner = lib.createRunner('recording', {});
    const real = lib.createRunner('real');
    runner.on({ match: ['openssl'], respond: async (argv) => real.run(argv) });
    managers.push(
      await lib.startManager({
        dev: true,
        stateDir: path.join(nodes[i].paths.root, 'manager'),
        host: ips[i],
        port: 0,
        libvirtUri: 'test:///default',
        log: () => undefined,
        runner,
        engines: false,
        clusterRoot: nodes[i].paths.root,
        peerPort,
        quorum: async () => ({ running: true, quorate: true, members: [1, 2, 3] }),
      }),
    );
  }
  result.view = [];
  for (let i = 0; i < 3; i++) {
    const m = managers[i];
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const view = [];
    const local = [];
    for (let r = 0; r < 20; r++) await get(m, '/api/v1/cluster/resources', agent); // warm-up
    for (let r = 0; r < requests; r++) {
      const a = await get(m, '/api/v1/cluster/resources', agent);
      if (a.status !== 200 || a.body.data.guests.length !== 3 * guestsPerNode)
        throw new Error(`bad answer from ${names[i]}`);
      view.push(a.ms);
      local.push((await get(m, `/api/v1/nodes/${names[i]}/guests`, agent)).ms);
    }
    agent.destroy();
    result.view.push({
      node: names[i],
      p50Ms: pct(view, 50),
      p99Ms: pct(view, 99),
      localGuestsP50Ms: pct(local, 50),
      localGuestsP99Ms: pct(local, 99),
      ratioP99: Math.round((pct(view, 99) / pct(local, 99)) * 10) / 10,
    });
    console.log(JSON.stringify(result.view.at(-1)));
  }
  // a member stops: how soon do the others show it offline
  const t0 = performance.now();
  await managers[2].close();
  managers[2] = undefined;
  result.offline = [];
  for (let i = 0; i < 2; i++) {
    for (;;) {
      const a = await get(managers[i], '/api/v1/cluster/resources');
      const n = a.body.data.nodes.find((x) => x.name === names[2]);
      if (!n.online) {
        result.offline.push({
          node: names[i],
          seconds: Math.round(performance.now() - t0) / 1000,
          lastKnownGuests: a.body.data.guests.filter((g) => g.node === names[2] && g.stale).length,
        });
        break;
      }
    }
  }
  console.log(JSON.stringify(result.offline));
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(
    path.join(root, 'bench/results/cluster-view.json'),
    JSON.stringify(result, null, 2) + '\n',
  );
} finally {
  for (const m of managers) await m?.close();
  await Promise.all(services.map((s) => new Promise((r) => s.close(r))));
  rmSync(work, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
}
