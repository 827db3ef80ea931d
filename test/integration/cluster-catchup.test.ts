// A member whose cluster service is down while a node joins misses the master's push; when its
// service starts again it pulls the newer nodelist from the master and all three converge.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ClusterView } from '../../provision/cluster/commands.ts';
import { ClusterLab, until, type LabNode } from './clusterLab.ts';

const isRoot = process.getuid?.() === 0;
const TOKEN = 'catchup-token-0123456789';

describe.skipIf(!isRoot)('a member that missed a push catches up from the master', () => {
  const lab = new ClusterLab(3);
  const [n1, n2, n3] = lab.nodes as [LabNode, LabNode, LabNode];
  beforeAll(async () => {
    await lab.setup();
  });
  afterAll(async () => {
    await lab.teardown();
  });

  test('node2 offline (service) while node3 joins; node2 restarts its service and sees three members', async () => {
    expect((await lab.pveca_(n1, ['-c', '--name', 'cu', '--token', TOKEN, '--node-name', 'node1'])).exitCode).toBe(0);
    expect((await lab.pveca_(n2, ['-a', '-h', n1.address, '--token', TOKEN, '--node-name', 'node2'])).exitCode).toBe(0);
    await lab.stopService(n2);
    const j3 = await lab.pveca_(n3, ['-a', '-h', n1.address, '--token', TOKEN, '--node-name', 'node3', '--json']);
    console.log('j3', Math.round(j3.ms), j3.stdout, j3.stderr);
    expect(j3.stdout).toMatch(/"unreachable": \[\s*"node2"\s*\]/);
    expect(j3.stdout).toMatch(/could not send|node2/);

    const restarted = await lab.startService(n2);
    expect(restarted.exitCode, restarted.stderr).toBe(0);
    const views = await until(async () => {
      const all = await Promise.all(lab.nodes.map(async (n) => JSON.parse((await lab.pveca_(n, ['-l', '--json'])).stdout) as ClusterView));
      return all.every((v) => v.configVersion === 3 && v.quorate && v.nodes.length === 3 && v.nodes.every((x) => x.online)) ? all : undefined;
    }, 30_000, 250);
    if (!views) {
      for (const n of lab.nodes) console.log(n.name, (await lab.pveca_(n, ['-l'])).stdout);
      const { readFileSync } = await import('node:fs');
      console.log(readFileSync(`${n2.root}/var/log/openve-cluster.log`, 'utf8'));
      console.log(lab.corosyncLog(n2).slice(-4000));
    }
    expect(views, 'all three nodes list three online members at config_version 3').toBeDefined();
  });
});
