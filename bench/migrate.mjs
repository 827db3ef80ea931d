// Live migration budget (issue 14): a running VM moved through openve (API call -> the task's end)
// against the same `virsh migrate --live --p2p --persistent --undefinesource --auto-converge
// [--copy-storage-all]` alone, in the same run, between the two nodes of the migration test rig
// (test/integration/migrate/rig.ts: own libvirtd + manager per node, corosync, namespaces), for a
// RAM-only guest (128 MiB) and for one with a 1 GiB raw disk holding 512 MiB of data (1 GiB: the
// smallest disk openve makes). Downtime: QEMU's, from `domjobinfo --completed` on the destination
// (openve puts it in the task log). Budgets: openve <= 1.3x virsh (medians), downtime < 500 ms.
// usage (root): node bench/migrate.mjs [--rounds 3]   writes bench/results/migrate.json
import { build } from 'esbuild';
import {
  mkdirSync,
  mkdtempSync,
  openSync,
  writeSync,
  closeSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, opt } from './args.mjs';

if (process.getuid?.() !== 0)
  throw new Error('bench/migrate.mjs needs root (namespaces, libvirtd)');
const rounds = Number(opt('--rounds', '3'));

mkdirSync(path.join(root, '.cache'), { recursive: true });
const tmp = mkdtempSync(path.join(root, '.cache', 'bench-migrate-'));
await build({
  entryPoints: {
    rig: path.join(root, 'test/integration/migrate/rig.ts'),
    guest: path.join(root, 'test/integration/manager/tinyGuest.ts'),
    exec: path.join(root, 'lib/exec/index.ts'),
  },
  outdir: tmp,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
});
const { MigrateRig } = await import(pathToFileURL(path.join(tmp, 'rig.mjs')).href);
const { tinyGuest } = await import(pathToFileURL(path.join(tmp, 'guest.mjs')).href);
const { createRunner } = await import(pathToFileURL(path.join(tmp, 'exec.mjs')).href);
const { bundle } = await import(pathToFileURL(path.join(root, 'scripts/bundle.mjs')).href);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
};
const MiB = 1024 ** 2;
const guests = [
  { id: 7010, label: 'ramonly', disk: false },
  { id: 7011, label: 'disk512', disk: true },
];
const result = {
  date: new Date().toISOString(),
  rounds,
  guest: '1 vCPU, 128 MiB, TCG (no KVM), busybox counter on ttyS0',
  budgets: { ratio: 1.3, downtimeMs: 500 },
  cases: {},
};

await bundle();
const guest = await tinyGuest(createRunner('real', { timeoutMs: 600_000 }));
const rig = new MigrateRig('clmb', '10.99.72', root);
const [n1, n2] = rig.nodes;
const image = (n, id) => path.join(n.dir, 'images', `images/${id}/vm-${id}-disk-0.raw`);
const IMG = (id) => `/var/lib/openve-mig/images/${id}/vm-${id}-disk-0.raw`;

async function openveMove(id, from, to) {
  const t0 = performance.now();
  const r = await rig.api(from, 'POST', `/api/v1/nodes/${from.name}/vms/${id}/migrate`, {
    target: to.name,
  });
  if (r.status !== 202) throw new Error(`migrate ${id}: ${JSON.stringify(r.body)}`);
  const t = await rig.task(from, r.body.data.task, 300_000, 50);
  const ms = performance.now() - t0;
  if (t.status !== 'ok') throw new Error(`migrate ${id} failed: ${t.log.join('\n')}`);
  const down = /downtime (\d+) ms/.exec(t.log.join('\n'))?.[1];
  return { ms: Math.round(ms), downtimeMs: down ? Number(down) : null };
}

async function virshMove(id, from, to, disk) {
  if (disk) {
    await rig.inNode(to, ['mkdir', '-p', path.dirname(IMG(id))]);
    await rig.inNode(to, ['qemu-img', 'create', '-q', '-f', 'raw', IMG(id), '1G']);
  }
  const t0 = performance.now();
  await rig.inNode(from, [
    'virsh',
    '-q',
    '-c',
    'qemu:///system',
    'migrate',
    '--live',
    '--p2p',
    '--persistent',
    '--undefinesource',
    '--auto-converge',
    ...(disk ? ['--copy-storage-all'] : []),
    `vm-${id}`,
    `qemu+tls://${to.address}/system`,
    '--tls',
  ]);
  const ms = performance.now() - t0;
  const info = await rig.inNode(to, [
    'virsh',
    '-c',
    'qemu:///system',
    'domjobinfo',
    '--completed',
    `vm-${id}`,
  ]);
  const down = /Total downtime:\s+(\d+)/.exec(info.stdout)?.[1];
  if (disk) await rig.inNode(from, ['rm', '-f', IMG(id)]);
  return { ms: Math.round(ms), downtimeMs: down ? Number(down) : null };
}

try {
  await rig.setup();
  for (const g of guests) {
    const c = await rig.api(n1, 'POST', `/api/v1/nodes/${n1.name}/vms`, {
      id: g.id,
      name: g.label,
      memory: 128,
      nics: [],
      disks: g.disk ? [{ size: 1, storage: 'local', format: 'raw' }] : [],
      kernel: { path: guest.kernel, initrd: guest.initrd, cmdline: 'console=ttyS0 quiet' },
    });
    if (c.status !== 202) throw new Error(`create ${g.id}: ${JSON.stringify(c.body)}`);
    if ((await rig.task(n1, c.body.data.task)).status !== 'ok') throw new Error('create failed');
    if (g.disk) {
      const fd = openSync(image(n1, g.id), 'r+');
      for (let i = 0; i < 512; i++) writeSync(fd, randomBytes(MiB), 0, MiB, i * MiB);
      closeSync(fd);
    }
    const s = await rig.api(n1, 'POST', `/api/v1/nodes/${n1.name}/vms/${g.id}/status/start`, {});
    if ((await rig.task(n1, s.body.data.task)).status !== 'ok') throw new Error('start failed');
  }
  // idle guests: booted (TCG: ~30 s on this loaded machine)
  await new Promise((r) => setTimeout(r, 45_000));
  for (const g of guests) {
    const runs = { openve: [], virsh: [] };
    for (let i = 0; i < rounds; i++) {
      // same pairs of hops both ways, the VM back on node1 after each pair
      runs.virsh.push(await virshMove(g.id, n1, n2, g.disk));
      runs.virsh.push(await virshMove(g.id, n2, n1, g.disk));
      runs.openve.push(await openveMove(g.id, n1, n2));
      runs.openve.push(await openveMove(g.id, n2, n1));
      process.stderr.write(`${g.label} round ${i + 1}: ${JSON.stringify(runs)}\n`);
    }
    const o = median(runs.openve.map((r) => r.ms));
    const v = median(runs.virsh.map((r) => r.ms));
    const downs = runs.openve.map((r) => r.downtimeMs).filter((x) => x !== null);
    result.cases[g.label] = {
      runs,
      medianMs: { openve: o, virsh: v },
      ratio: Math.round((o / v) * 100) / 100,
      downtimeMs: {
        openveMedian: median(downs),
        openveMax: downs.length ? Math.max(...downs) : null,
        virshMedian: median(runs.virsh.map((r) => r.downtimeMs).filter((x) => x !== null)),
      },
      withinRatio: o / v <= 1.3,
      downtimeUnder500: downs.every((d) => d < 500),
    };
  }
} finally {
  await rig.teardown();
  rmSync(tmp, { recursive: true, force: true });
}
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(
  path.join(root, 'bench/results/migrate.json'),
  JSON.stringify(result, null, 2) + '\n',
);
process.stdout.write(
  JSON.stringify(result.cases, (k, v) => (k === 'runs' ? undefined : v), 2) + '\n',
);
