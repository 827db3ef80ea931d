// Two real corosync nodes in network namespaces (cl-*), each with its own openve-manager (libvirt's
// test driver: no guest runs here) and the CLI run inside the namespaces: the cluster view and a
// forwarded request from both nodes, guest ids allocated through the coordinator with corosync's
// real quorum under concurrent creates, quorum lost (reads answer, creating and migrating are refused
// naming the missing quorum), and `pveca -d --force` of the online node2: it cleans
// itself up and the others' view and peer listener drop it. Before that, node2 cut off (its link
// down) and its manager killed: node1's view shows it offline within 5 s (measured, printed).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { ClusterResourcesSchema } from '../../contracts/manager/cluster.ts';
import { ClusterLab, until, type LabNode } from './clusterLab.ts';

const isRoot = process.getuid?.() === 0;
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOKEN = 'cl-managers-token-0123456789';

describe.skipIf(!isRoot)(
  'managers of a real two-node corosync cluster',
  { timeout: 180_000 },
  () => {
    const lab = new ClusterLab(2, '10.99.14', `cl-${process.pid % 10000}`);
    const [n1, n2] = lab.nodes as [LabNode, LabNode];
    const managers: ChildProcess[] = [];
    const logs = new Map<string, string>();
    const state = (n: LabNode) => path.join(n.root, 'manager');

    /** the openve CLI inside the node's namespace, against its own manager */
    const cli = async (n: LabNode, args: string[]) => {
      const r = await execa(
        'ip',
        [
          'netns',
          'exec',
          n.ns,
          process.execPath,
          path.join(repo, 'bin/openve.js'),
          '--host',
          `https://${n.address}:8006`,
          '--state',
          state(n),
          '--insecure',
          '--token',
          readFileSync(path.join(state(n), 'root.token'), 'utf8').trim(),
          ...args,
        ],
        { reject: false, env: lab.env(n), timeout: 60_000 },
      );
      return { code: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
    };
    /** a request to the node's API from inside its namespace: status and body */
    const http = async (n: LabNode, method: string, url: string, body?: unknown) => {
      const token = readFileSync(path.join(state(n), 'root.token'), 'utf8').trim();
      const r = await execa(
        'ip',
        [
          'netns',
          'exec',
          n.ns,
          'curl',
          '-sk',
          '-X',
          method,
          '-w',
          '\n%{http_code}',
          '-H',
          `authorization: Bearer ${token}`,
          ...(body === undefined
            ? []
            : ['-H', 'content-type: application/json', '--data', JSON.stringify(body)]),
          `https://${n.address}:8006${url}`,
        ],
        { reject: false, timeout: 60_000 },
      );
      const out = String(r.stdout);
      const cut = out.lastIndexOf('\n');
      return { status: Number(out.slice(cut + 1)), body: out.slice(0, cut) };
    };
    let node1Vm = 0;
    const resources = async (n: LabNode) => {
      const r = await cli(n, ['cluster', 'resources', '--json']);
      return r.code === 0 ? ClusterResourcesSchema.parse(JSON.parse(r.stdout)) : undefined;
    };

    beforeAll(async () => {
      const { bundle } = (await import(
        pathToFileURL(path.join(repo, 'scripts/bundle.mjs')).href
      )) as {
        bundle(): Promise<void>;
      };
      await bundle(); // once, before two managers start (each would otherwise rebuild)
      await lab.setup();
      const c = await lab.pveca_(n1, [
        '-c',
        '--name',
        'clm',
        '--token',
        TOKEN,
        '--node-name',
        'node1',
        '--address',
        n1.address,
      ]);
      expect(c.exitCode, c.stderr).toBe(0);
      const a = await lab.pveca_(n2, [
        '-a',
        '-h',
        n1.address,
        '--token',
        TOKEN,
        '--node-name',
        'node2',
        '--address',
        n2.address,
      ]);
      expect(a.exitCode, a.stderr).toBe(0);
      // a guest record on node2 (id in this helper's range 800-849)
      mkdirSync(path.join(state(n2), 'guests'), { recursive: true });
      writeFileSync(
        path.join(state(n2), 'guests', '801.json'),
        JSON.stringify({
          kind: 'vm',
          config: { id: 801, name: 'tiny', vcpus: 1, memory: 64, disks: [], nics: [] },
        }),
      );
      for (const n of [n1, n2]) {
        const p = spawn(
          'ip',
          [
            'netns',
            'exec',
            n.ns,
            process.execPath,
            path.join(repo, 'bin/openve-manager.js'),
            '--dev',
            '--listen',
            `${n.address}:8006`,
            '--state',
            state(n),
            '--cluster-root',
            n.root,
            '--libvirt-uri',
            'test:///default',
          ],
          { env: lab.env(n), stdio: ['ignore', 'ignore', 'pipe'] },
        );
        logs.set(n.name, '');
        p.stderr?.on('data', (d: Buffer) => logs.set(n.name, logs.get(n.name) + d.toString()));
        managers.push(p);
      }
      for (const n of [n1, n2]) {
        const up = await until(
          async () => /peers served with mutual TLS/.test(logs.get(n.name) ?? ''),
          90_000,
          200,
        );
        expect(up, logs.get(n.name)).toBeTruthy();
      }
    });
    afterAll(async () => {
      for (const p of managers) p.kill('SIGTERM');
      await Promise.all(
        managers.map((p) =>
          // a manager killed by a test has a signalCode, not an exitCode
          p.exitCode === null && p.signalCode === null
            ? new Promise((r) => p.once('exit', r))
            : undefined,
        ),
      );
      await lab.teardown();
    });

    test("the cluster view from both nodes lists both, with node2's guest", async () => {
      for (const n of [n1, n2]) {
        const v = await until(
          async () => {
            const r = await resources(n);
            return r?.nodes.every((x) => x.online) ? r : undefined;
          },
          20_000,
          500,
        );
        expect(v?.cluster).toBe('clm');
        expect(v?.nodes.map((x) => x.name)).toEqual(['node1', 'node2']);
        expect(v?.guests).toEqual([
          expect.objectContaining({ id: 801, node: 'node2', stale: false }),
        ]);
      }
    });

    test("a request for node2's VM, made on node1 with the CLI, is answered by node2", async () => {
      const r = await cli(n1, ['--node', 'node2', 'vm', 'list', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ id: 801, name: 'tiny' })]);
    });

    test('concurrent creates on both nodes get distinct ids from the coordinator (real corosync quorum)', async () => {
      const body = [
        'vm',
        'create',
        '--name',
        'c',
        '--memory',
        '64',
        '--net',
        'none',
        '--no-wait',
        '--json',
      ];
      const [a, b] = await Promise.all([cli(n1, body), cli(n2, body)]);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      const ida = (JSON.parse(a.stdout) as { id: number }).id;
      node1Vm = ida;
      const idb = (JSON.parse(b.stdout) as { id: number }).id;
      expect(ida).not.toBe(idb);
      expect([ida, idb]).not.toContain(801);
    });

    test('quorum lost (node2 cut off, node1 restarted: two_node waits for all): reads answer, creating and migrating say quorum is missing', async () => {
      expect(node1Vm).toBeGreaterThanOrEqual(100);
      await execa('ip', ['-n', lab.bridgeNs, 'link', 'set', 'e2', 'down']);
      try {
        // a restarted corosync of a two-node cluster is not quorate until it has seen the other
        await lab.killCorosync(n1);
        await lab.startCorosync(n1);
        const lost = await until(
          async () => {
            const r = await lab.pveca_(n1, ['-l', '--json']);
            return (
              r.exitCode === 0 && (JSON.parse(r.stdout) as { quorate: boolean }).quorate === false
            );
          },
          30_000,
          500,
        );
        expect(lost, 'node1 not quorate').toBeTruthy();
        // reads: the cluster view (node2 offline, its guest as last known) and the VM list
        const v = await until(
          async () => {
            const r = await resources(n1);
            return r?.nodes.find((x) => x.name === 'node2')?.online === false ? r : undefined;
          },
          20_000,
          500,
        );
        expect(v?.nodes.find((x) => x.name === 'node1')?.online).toBe(true);
        expect(v?.guests).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ id: 801, node: 'node2', stale: true }),
          ]),
        );
        const list = await cli(n1, ['vm', 'list', '--json']);
        expect(list.code, list.stderr).toBe(0);
        expect(JSON.parse(list.stdout)).toEqual(
          expect.arrayContaining([expect.objectContaining({ id: node1Vm })]),
        );
        // writes that need the cluster: 503, the field, and a message that says why
        const writes: [string, unknown, string, RegExp][] = [
          [
            '/api/v1/nodes/node1/vms',
            { name: 'nq', memory: 64, nics: [] },
            'id',
            /creating a guest needs quorum/,
          ],
          [
            `/api/v1/nodes/node1/vms/${node1Vm}/migrate`,
            { target: 'node2' },
            'target',
            new RegExp(`migrating VM ${node1Vm} needs quorum`),
          ],
        ];
        for (const [url, body, field, what] of writes) {
          const r = await http(n1, 'POST', url, body);
          expect(r.status, `${url}: ${r.body}`).toBe(503);
          const e = (JSON.parse(r.body) as { errors: { path: string; message: string }[] })
            .errors[0]!;
          expect(e.path).toBe(field);
          expect(e.message).toMatch(
            /^quorum missing: node node1 is not in a quorate partition of cluster 'clm' \(corosync not quorate\)/,
          );
          expect(e.message).toMatch(what);
          expect(e.message).toMatch(/reads still work$/);
        }
        // the CLI prints the same reason
        const c = await cli(n1, [
          'vm',
          'create',
          '--name',
          'nq',
          '--memory',
          '64',
          '--net',
          'none',
        ]);
        expect(c.code).toBe(1);
        expect(c.stderr).toMatch(/^id: quorum missing: node node1 .*creating a guest needs quorum/);
      } finally {
        await execa('ip', ['-n', lab.bridgeNs, 'link', 'set', 'e2', 'up']);
      }
      const back = await until(
        async () => {
          const r = await lab.pveca_(n1, ['-l', '--json']);
          const view =
            r.exitCode === 0 ? (JSON.parse(r.stdout) as { quorate: boolean }) : undefined;
          return view?.quorate && (await resources(n1))?.nodes.every((x) => x.online);
        },
        60_000,
        1000,
      );
      expect(back, 'quorate again with node2 back').toBeTruthy();
    });

    /**
     * node1's view polled every 100 ms from inside its namespace (a node process started once: a CLI
     * per poll costs seconds under load): resolves with the first answer where node2 is offline,
     * measured from `since` (ms since the epoch, same clock)
     */
    const offlineSeen = async (
      cause: () => Promise<void>,
    ): Promise<{ seconds: number; stale: number; error: string }> => {
      const token = readFileSync(path.join(state(n1), 'root.token'), 'utf8').trim();
      const script = `const https = require('https'); const [url, token] = process.argv.slice(1);
        (function poll() { https.get(url, { rejectUnauthorized: false, headers: { authorization: 'Bearer ' + token } }, (r) => {
          let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => {
            try { const v = JSON.parse(b).data; const n = v.nodes.find((x) => x.name === 'node2');
              console.log(JSON.stringify({ t: Date.now(), online: n.online, error: n.error, stale: v.guests.filter((g) => g.node === 'node2' && g.stale).length }));
            } catch (e) { console.log(JSON.stringify({ t: Date.now(), bad: String(e) })); }
            setTimeout(poll, 100); }); }).on('error', () => setTimeout(poll, 100)); })();`;
      const p = spawn(
        'ip',
        [
          'netns',
          'exec',
          n1.ns,
          process.execPath,
          '-e',
          script,
          `https://${n1.address}:8006/api/v1/cluster/resources`,
          token,
        ],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const lines = () =>
        out
          .split('\n')
          .filter(Boolean)
          .map(
            (l) => JSON.parse(l) as { t: number; online?: boolean; error?: string; stale?: number },
          );
      try {
        // node2 online in the poller's view first
        expect(
          await until(async () => lines().some((l) => l.online === true), 30_000, 100),
        ).toBeTruthy();
        const since = Date.now();
        await cause();
        const off = await until(
          async () => lines().find((l) => l.t >= since && l.online === false),
          15_000,
          50,
        );
        expect(off, out.slice(-2000)).toBeDefined();
        return {
          seconds: (off!.t - since) / 1000,
          stale: off!.stale ?? 0,
          error: off!.error ?? '',
        };
      } finally {
        p.kill('SIGTERM');
      }
    };

    test("a cut link: node1's view shows node2 offline within 5 s, with its guest as last known; back online after", async () => {
      const r = await offlineSeen(async () => {
        await execa('ip', ['-n', lab.bridgeNs, 'link', 'set', 'e2', 'down']);
      });
      try {
        console.log(`cut link -> offline in node1's view: ${r.seconds} s (${r.error})`);
        expect(r.seconds).toBeLessThan(5);
        expect(r.stale).toBeGreaterThanOrEqual(1);
      } finally {
        await execa('ip', ['-n', lab.bridgeNs, 'link', 'set', 'e2', 'up']);
      }
      const back = await until(
        async () => (await resources(n1))?.nodes.every((x) => x.online),
        30_000,
        500,
      );
      expect(back, 'node2 online again once the link is back').toBeTruthy();
    });

    test("node2's manager killed: node1's view shows node2 offline within 5 s", async () => {
      const mgr2 = managers[1]!;
      const r = await offlineSeen(async () => {
        mgr2.kill('SIGKILL');
      });
      console.log(`manager killed -> offline in node1's view: ${r.seconds} s (${r.error})`);
      expect(r.seconds).toBeLessThan(5);
      expect(r.stale).toBeGreaterThanOrEqual(1);
    });

    test('pveca -d --force of the online node2: it cleans itself up; node1 drops it from its view', async () => {
      const r = await lab.pveca_(n1, ['-d', 'node2', '--force']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/node2 was reachable and cleaned itself up/);
      const cleaned = await until(
        async () => !existsSync(path.join(n2.root, 'etc/openve/cluster.json')),
        10_000,
      );
      expect(cleaned).toBeTruthy();
      expect(existsSync(path.join(n2.root, 'etc/corosync/corosync.conf'))).toBe(false);
      expect(existsSync(path.join(n2.root, 'etc/openve/cluster/node.key'))).toBe(false);
      const v = await resources(n1);
      expect(v?.nodes.map((x) => x.name)).toEqual(['node1']);
    });
  },
);
