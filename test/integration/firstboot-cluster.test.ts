// [cluster] at first boot with real corosync in network namespaces: node2's cluster-init starts
// BEFORE the master exists and keeps retrying; node1 then creates the cluster with the same
// pre-shared token (a whole fleet's answer files written before the master exists), and node2
// joins by itself. Both run the bundled /usr/lib/openve/firstboot.js, as the unit does.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ClusterView } from '../../provision/cluster/commands.ts';
import type { NodeConfig } from '../../contracts/node/types.ts';
import { ClusterLab, type LabNode } from './clusterLab.ts';

const isRoot = process.getuid?.() === 0;
const TOKEN = 'fleet-token-passw0rd-fixture';

function writeNodeJson(n: LabNode, cluster: NodeConfig['cluster']): void {
  const node: NodeConfig = {
    version: 1,
    fqdn: `${n.name}.lab.test`,
    mailto: 'root@lab.test',
    managementInterface: 'eth0',
    firstBoot: {
      source: 'none',
      ordering: 'fully-up',
      hookPath: '/var/lib/openve/first-boot/hook',
    },
    ...(cluster ? { cluster } : {}),
  };
  const file = path.join(n.root, 'etc/openve/node.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(node, null, 2));
}

describe.skipIf(!isRoot)('first boot [cluster]: create + join from node.json', () => {
  const lab = new ClusterLab(2);
  const [n1, n2] = lab.nodes as [LabNode, LabNode];
  beforeAll(async () => {
    await lab.setup();
  });
  afterAll(async () => {
    await lab.teardown();
  });

  test('the joiner waits for the master, then both list two online nodes, quorate', async () => {
    writeNodeJson(n1, { mode: 'create', name: 'fleet', token: TOKEN });
    writeNodeJson(n2, { mode: 'join', master: n1.address, token: TOKEN });
    const joining = lab.firstboot_(n2, ['--cluster-init']);
    await new Promise((r) => setTimeout(r, 2500)); // the master is still "installing"
    const created = await lab.firstboot_(n1, ['--cluster-init']);
    expect(created.exitCode, created.stdout + created.stderr).toBe(0);
    const joined = await joining;
    expect(joined.exitCode, joined.stdout + joined.stderr).toBe(0);
    expect(joined.stdout).toMatch(/not answering yet; retrying/);
    expect(joined.stdout).toMatch(/node2 joined 'fleet' as nodeid 2; quorate, 2 members/);

    for (const n of [n1, n2]) {
      const r = await lab.pveca_(n, ['-l', '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      const v = JSON.parse(r.stdout) as ClusterView;
      expect(v.quorate).toBe(true);
      expect(v.nodes.map((x) => [x.name, x.role, x.online])).toEqual([
        ['node1', 'master', true],
        ['node2', 'node', true],
      ]);
    }
    // the logs name what happened, never the token
    for (const n of [n1, n2]) {
      const log = readFileSync(
        path.join(n.root, 'var/log/openve-install/cluster-init.log'),
        'utf8',
      );
      expect(log).toMatch(/cluster: /);
      expect(log).not.toContain(TOKEN);
    }
    expect(created.stdout + joined.stdout).not.toContain(TOKEN);
    // once only
    const again = await lab.firstboot_(n2, ['--cluster-init']);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/already initialised/);
  });
});
