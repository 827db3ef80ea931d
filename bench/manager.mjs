// Manager budgets (issue 12), on this host's libvirtd (QEMU TCG) with the tiny test guest:
//   start:  VM start through the API (request -> the API reports "running") vs `virsh start` alone
//           on the same domain, alternating; ratio of medians (budget <= 1.3x)
//   guests: GET /api/v1/nodes/{node}/guests with 100 defined guests, paced at 500 req/s over TLS,
//           authenticated: p50/p99 (budget p99 < 20 ms); manager RSS and idle CPU with 100 guests
//   startup: process start -> serving requests
// Needs root, a running libvirtd and the tiny guest built by test/integration/manager (cache in
// /var/cache/openve/manager-test). usage: node bench/manager.mjs [--rounds 5] [--guests 100]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const rounds = arg('--rounds', 5);
const guests = arg('--guests', 100);
const cache = '/var/cache/openve/manager-test';
const virsh = (...a) =>
  execFileSync('virsh', ['-q', '-c', 'qemu:///system', ...a], { encoding: 'utf8' });
if (process.getuid?.() !== 0) throw new Error('bench/manager.mjs needs root');
if (!existsSync(`${cache}/vmlinuz`))
  throw new Error(`no tiny guest in ${cache}: run the manager integration test first`);
virsh('version');

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const pct = (a, p) =>
  [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.ceil((p / 100) * a.length) - 1)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const state = mkdtempSync(path.join(os.tmpdir(), 'openve-bench-mgr-'));
const port = 18100 + (process.pid % 800);
const t0 = performance.now();
const child = spawn(
  process.execPath,
  [
    path.join(root, 'bin/openve-manager.js'),
    '--dev',
    '--listen',
    `127.0.0.1:${port}`,
    '--state',
    state,
  ],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
let stderr = '';
child.stderr.on('data', (d) => (stderr += d));
const agent = new https.Agent({ keepAlive: true, maxSockets: 16 });
let token;
let ca;
function api(method, url, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(
      `https://127.0.0.1:${port}${url}`,
      {
        method,
        agent,
        ca,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let t = '';
        res.setEncoding('utf8').on('data', (c) => (t += c));
        res.on('end', () =>
          res.statusCode >= 400
            ? reject(new Error(`${method} ${url}: ${res.statusCode} ${t}`))
            : resolve(JSON.parse(t).data),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
async function waitTask(id) {
  for (;;) {
    const t = await api('GET', `/api/v1/tasks/${encodeURIComponent(id)}`);
    if (t.status !== 'running') {
      if (t.status !== 'ok') throw new Error(`task ${id}: ${t.error}\n${t.log.join('\n')}`);
      return;
    }
    await sleep(20);
  }
}
async function vmState(node, id) {
  const list = await api('GET', `/api/v1/nodes/${node}/vms`);
  return list.find((v) => v.id === id)?.state;
}

const created = [];
let startupMs;
try {
  // start-up: until the API answers
  for (;;) {
    if (existsSync(`${state}/root.token`) && existsSync(`${state}/tls/node.pem`)) {
      token = readFileSync(`${state}/root.token`, 'utf8').trim();
      ca = readFileSync(`${state}/tls/node.pem`, 'utf8');
      try {
        await api('GET', '/api/v1/nodes');
        break;
      } catch {
        /* not listening yet */
      }
    }
    if (child.exitCode !== null) throw new Error(`manager exited: ${stderr}`);
    await sleep(10);
  }
  startupMs = performance.now() - t0;
  const node = (await api('GET', '/api/v1/nodes'))[0].node;
  const base = 9500 + (process.pid % 200) * 0;
  const tiny = (id) => ({
    id,
    name: `bench-${id}`,
    memory: 128,
    nics: [],
    kernel: { path: `${cache}/vmlinuz`, initrd: `${cache}/initrd.cpio`, cmdline: 'console=ttyS0' },
  });

  // start: API vs virsh, alternating, on the same domain
  const vmid = base;
  const c = await api('POST', `/api/v1/nodes/${node}/vms`, tiny(vmid));
  created.push(vmid);
  await waitTask(c.task);
  const apiMs = [];
  const virshMs = [];
  for (let r = 0; r < rounds; r++) {
    let s = performance.now();
    await api('POST', `/api/v1/nodes/${node}/vms/${vmid}/status/start`);
    while ((await vmState(node, vmid)) !== 'running') await sleep(5);
    apiMs.push(performance.now() - s);
    virsh('destroy', `vm-${vmid}`);
    while ((await vmState(node, vmid)) !== 'shut off') await sleep(5);
    s = performance.now();
    virsh('start', `vm-${vmid}`);
    virshMs.push(performance.now() - s);
    virsh('destroy', `vm-${vmid}`);
    while ((await vmState(node, vmid)) !== 'shut off') await sleep(5);
  }

  // guests: define up to `guests` (the start VM counts), then paced GETs
  for (let i = 1; i < guests; i++) {
    const r = await api('POST', `/api/v1/nodes/${node}/vms`, tiny(base + i));
    created.push(base + i);
    await waitTask(r.task);
  }
  const listed = await api('GET', `/api/v1/nodes/${node}/guests`);
  const lat = [];
  const total = 2500;
  const interval = 1000 / 500;
  const begin = performance.now();
  const pending = [];
  for (let i = 0; i < total; i++) {
    const due = begin + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    pending.push(
      (async () => {
        const s = performance.now();
        await api('GET', `/api/v1/nodes/${node}/guests`);
        lat.push(performance.now() - s);
      })(),
    );
  }
  await Promise.all(pending);
  const achieved = total / ((performance.now() - begin) / 1000);
  const rssMiB =
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;
  const ticks = () =>
    readFileSync(`/proc/${child.pid}/stat`, 'utf8')
      .split(') ')[1]
      .split(' ')
      .slice(11, 13)
      .map(Number)
      .reduce((a, b) => a + b, 0);
  const c0 = ticks();
  await sleep(10_000);
  const idleCpuPct = ((ticks() - c0) / 100 / 10) * 100;

  const result = {
    when: new Date().toISOString(),
    host: { cpus: os.cpus().length, load: os.loadavg().map((l) => Math.round(l * 100) / 100) },
    startupMs: Math.round(startupMs),
    start: {
      rounds,
      apiMs: apiMs.map(Math.round),
      virshMs: virshMs.map(Math.round),
      ratioOfMedians: Math.round((median(apiMs) / median(virshMs)) * 100) / 100,
      budget: 1.3,
    },
    guests: {
      defined: listed.length,
      requests: total,
      achievedPerS: Math.round(achieved),
      p50Ms: Math.round(pct(lat, 50) * 10) / 10,
      p99Ms: Math.round(pct(lat, 99) * 10) / 10,
      budgetP99Ms: 20,
    },
    manager: { rssMiB: Math.round(rssMiB), idleCpuPct: Math.round(idleCpuPct * 100) / 100 },
  };
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(
    path.join(root, 'bench/results/manager.json'),
    JSON.stringify(result, null, 2) + '\n',
  );
  console.log(JSON.stringify(result, null, 2));
} finally {
  for (const id of created) {
    try {
      virsh('destroy', `vm-${id}`);
    } catch {
      /* not running */
    }
    try {
      virsh('undefine', `vm-${id}`);
    } catch {
      /* already gone */
    }
  }
  child.kill('SIGTERM');
  agent.destroy();
  rmSync(state, { recursive: true, force: true });
}
