// Issue 10 §3 with real corosync in network namespaces (root): a join while the master is down is
// accepted by another quorate member; the master, back, catches up; a node leaves cleanly and the
// others keep quorum with two members.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ClusterView } from '../../provision/cluster/commands/index.ts';
import { ClusterLab, until, type LabNode } from './clusterLab.ts';

const isRoot = process.getuid?.() === 0;
const TOKEN = 'failover-token-0123456789';

describe.skipIf(!isRoot)('joins while the master is down; a node leaves', () => {
  const lab = new ClusterLab(3);
  const [n1, n2, n3] = lab.nodes as [LabNode, LabNode, LabNode];
  const list = async (n: LabNode): Promise<ClusterView | undefined> => {
    const r = await lab.pveca_(n, ['-l', '--json']);
    return r.exitCode === 0 ? (JSON.parse(r.stdout) as ClusterView) : undefined;
  };
  /** every node in `nodes` lists exactly `names`, all online, quorate, at `version` */
  const converged = (nodes: LabNode[], names: string[], version: number) =>
    until(
      async () => {
        const views = await Promise.all(nodes.map(list));
        return views.every(
          (v) =>
            v &&
            v.quorate &&
            v.configVersion === version &&
            v.nodes.map((x) => x.name).join() === names.join() &&
            v.nodes.every((x) => x.online),
        )
          ? views
          : undefined;
      },
      20_000,
      250,
    );

  beforeAll(async () => {
    await lab.setup();
  });
  afterAll(async () => {
    await lab.teardown();
  });

  test('master down: node3 joins through node2 (-h master,node2) and the two form a quorate membership', async () => {
    const c = await lab.pveca_(n1, [
      '-c',
      '--name',
      'fo',
      '--token',
      TOKEN,
      '--node-name',
      'node1',
    ]);
    expect(c.exitCode, c.stderr).toBe(0);
    const j2 = await lab.pveca_(n2, [
      '-a',
      '-h',
      n1.address,
      '--token',
      TOKEN,
      '--node-name',
      'node2',
    ]);
    expect(j2.exitCode, j2.stderr).toBe(0);

    await lab.killCorosync(n1);
    await lab.stopService(n1);
    const alone = await until(async () => {
      const v = await list(n2);
      return v?.nodes.find((x) => x.name === 'node1')?.online === false && v.quorate
        ? v
        : undefined;
    }, 15_000);
    expect(alone, 'node2 sees the master gone and stays quorate (two_node)').toBeDefined();

    const started = performance.now();
    const j3 = await lab.pveca_(n3, [
      '-a',
      '-h',
      `${n1.address},${n2.address}`,
      '--token',
      TOKEN,
      '--node-name',
      'node3',
      '--json',
    ]);
    expect(j3.exitCode, j3.stderr + lab.corosyncLog(n3)).toBe(0);
    console.log(
      `join via node2 with the master down: ${Math.round(performance.now() - started)} ms`,
    );
    expect(JSON.parse(j3.stdout)).toMatchObject({
      nodeid: 3,
      quorate: true,
      members: 2,
      master: { name: 'node2' },
      unreachable: ['node1'],
    });
    expect(j3.stderr).toMatch(/10\.99\.0\.1: master 10\.99\.0\.1:8007 not answering|unreachable/);
    for (const n of [n2, n3]) {
      const v = await until(async () => {
        const x = await list(n);
        return x?.quorate && x.configVersion === 3 ? x : undefined;
      }, 10_000);
      expect(v?.nodes.map((x) => [x.name, x.online])).toEqual([
        ['node1', false],
        ['node2', true],
        ['node3', true],
      ]);
      expect(v?.nodes.find((x) => x.name === 'node1')?.role).toBe('master');
    }
    // node3 keeps the token: it can accept the next joiner itself
    expect(readFileSync(path.join(n3.root, 'etc/openve/cluster/token'), 'utf8').trim()).toBe(TOKEN);
  });

  test('the master comes back, pulls the nodelist it missed, and all three converge', async () => {
    expect((await lab.startService(n1)).exitCode).toBe(0);
    const caughtUp = await until(async () => {
      const conf = readFileSync(path.join(n1.root, 'etc/corosync/corosync.conf'), 'utf8');
      return /config_version: 3/.test(conf) && /node3/.test(conf);
    }, 15_000);
    expect(caughtUp, 'node1 pulled config_version 3').toBe(true);
    await lab.startCorosync(n1);
    expect(await converged(lab.nodes, ['node1', 'node2', 'node3'], 3)).toBeDefined();
  });

  test('node3 leaves: corosync stopped, its files removed; node1 and node2 see 2 members, quorate', async () => {
    const r = await lab.pveca_(n3, ['leave']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/node3 left cluster 'fo': the others now have config version 4/);
    const views = await converged([n1, n2], ['node1', 'node2'], 4);
    expect(views, 'node1 and node2: two online members at config_version 4, quorate').toBeDefined();
    for (const f of [
      'etc/corosync/corosync.conf',
      'etc/corosync/authkey',
      'etc/openve/cluster.json',
    ])
      expect(existsSync(path.join(n3.root, f)), f).toBe(false);
    expect(
      await until(
        async () => lab.corosyncPid(n3) === undefined || !alive(lab.corosyncPid(n3)!),
        5000,
      ),
    ).toBe(true);
    expect(lab.servicePid(n3) === undefined || !alive(lab.servicePid(n3)!)).toBe(true);
    // and it can join again
    const again = await lab.pveca_(n3, [
      '-a',
      '-h',
      n2.address,
      '--token',
      TOKEN,
      '--node-name',
      'node3',
    ]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(await converged(lab.nodes, ['node1', 'node2', 'node3'], 5)).toBeDefined();
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
