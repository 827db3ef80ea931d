// A join while a member's cluster service is down would leave that member with an old nodelist,
// which keeps corosync's membership from forming (measured: endless token churn). The master
// refuses such a join with a clear error; a joiner with --wait (first boot) retries until the
// member is back, then all three converge.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ClusterView } from '../../provision/cluster/commands/index.ts';
import { ClusterLab, until, type LabNode } from './clusterLab.ts';

const isRoot = process.getuid?.() === 0;
const TOKEN = 'catchup-token-0123456789';

describe.skipIf(!isRoot)('joining while a member is unreachable', () => {
  const lab = new ClusterLab(3);
  const [n1, n2, n3] = lab.nodes as [LabNode, LabNode, LabNode];
  beforeAll(async () => {
    await lab.setup();
  });
  afterAll(async () => {
    await lab.teardown();
  });

  test('refused while node2 is unreachable; with --wait, joins once node2 is back', async () => {
    expect(
      (await lab.pveca_(n1, ['-c', '--name', 'cu', '--token', TOKEN, '--node-name', 'node1']))
        .exitCode,
    ).toBe(0);
    expect(
      (await lab.pveca_(n2, ['-a', '-h', n1.address, '--token', TOKEN, '--node-name', 'node2']))
        .exitCode,
    ).toBe(0);
    await lab.stopService(n2);

    const refused = await lab.pveca_(n3, [
      '-a',
      '-h',
      n1.address,
      '--token',
      TOKEN,
      '--node-name',
      'node3',
    ]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/member node2 \(10\.99\.0\.2\) not reachable on port 8007/);
    expect(existsSync(path.join(n3.root, 'etc/corosync/corosync.conf'))).toBe(false);

    const waiting = lab.pveca_(n3, [
      '-a',
      '-h',
      n1.address,
      '--token',
      TOKEN,
      '--node-name',
      'node3',
      '--wait',
      '60',
    ]);
    await new Promise((r) => setTimeout(r, 2000));
    expect((await lab.startService(n2)).exitCode).toBe(0);
    const joined = await waiting;
    expect(joined.exitCode, joined.stderr).toBe(0);
    expect(joined.stderr).toMatch(/not reachable .*retrying/);

    const views = await until(
      async () => {
        const all = await Promise.all(
          lab.nodes.map(
            async (n) => JSON.parse((await lab.pveca_(n, ['-l', '--json'])).stdout) as ClusterView,
          ),
        );
        return all.every(
          (v) =>
            v.configVersion === 3 &&
            v.quorate &&
            v.nodes.length === 3 &&
            v.nodes.every((x) => x.online),
        )
          ? all
          : undefined;
      },
      20_000,
      250,
    );
    expect(views, 'all three nodes list three online members at config_version 3').toBeDefined();
  });
});
