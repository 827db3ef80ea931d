// Two-node cluster end to end (issue 6): both nodes installed from the ISO in QEMU, node1 creates
// the cluster and node2 joins it from their answer files ([cluster]) at first boot; `pveca -l --json`
// on both must show two online members and quorum; libvirt TLS answers between them; then a running
// stub VM with a thin volume moves live from node1 to node2 with `openve vm migrate ID node2
// --online` (clusterMigrate.ts; OPENVE_E2E_MIGRATE=0 leaves it out); last node1 removes node2 with
// `pveca -d` and node2's libvirt TLS access must end (clusterRevoke.ts). Long (~13 min under TCG, measured), so it runs only
// when asked: `bash scripts/e2e-cluster.sh` (sets OPENVE_E2E_CLUSTER=1). Needs root and QEMU.
// Phase times go to test-results/e2e-cluster/result.json.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { REPO } from './lib/scenario.ts';
import { formatCluster, runCluster } from './lib/clusterRun.ts';

const asked = process.env.OPENVE_E2E_CLUSTER === '1';
const runnable = process.getuid?.() === 0 && existsSync('/usr/bin/qemu-system-x86_64');

describe.skipIf(!asked || !runnable)(
  'e2e: two-node cluster from the ISO (skipped unless OPENVE_E2E_CLUSTER=1, as root with QEMU: bash scripts/e2e-cluster.sh)',
  () => {
    it('node1 creates and node2 joins from their answer files; both list 2 online members, quorate; a running VM migrates live node1 -> node2', async () => {
      const result = await runCluster({
        workDir: path.join(REPO, 'test-results/e2e-cluster'),
        log: (l) => process.stderr.write(`${l}\n`),
      });
      process.stderr.write(formatCluster(result) + '\n');
      expect(
        result.nodes.filter((n) => !n.installOk).map((n) => `${n.name}: ${n.installError}`),
      ).toEqual([]);
      expect(result.checks.length).toBeGreaterThan(0);
      expect(result.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`)).toEqual([]);
      expect(result.seconds.bootToQuorate).not.toBeNull();
      // pveca -d node2: node1's libvirt refuses node2's certificate afterwards (clusterRevoke.ts)
      expect(result.checks.some((c) => c.name.includes('is refused by') && c.ok)).toBe(true);
      if (process.env.OPENVE_E2E_MIGRATE !== '0') {
        expect(result.migration?.finishedLine).toMatch(/^migration finished: /);
        expect(result.checks.some((c) => c.name.includes('no reboot') && c.ok)).toBe(true);
      }
    });
  },
);
