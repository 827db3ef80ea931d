// Two pveca cluster roots on this host (real CA and join protocol, corosync faked): node A creates
// the cluster, node B joins it, each with its cluster service on `ip`; and a manager on such a
// root. Shared by the manager cluster tests (unit: recording runner; integration: real LXC).
import type { Server } from 'node:https';
import path from 'node:path';
import type { Runner } from '../../../lib/exec/index.ts';
import { startManager, type RunningManager } from '../../../manager/server/manager.ts';
import { createCluster, joinCluster } from '../../../provision/cluster/commands/index.ts';
import { startServer } from '../../../provision/cluster/server.ts';
import { clusterNode, freePort } from '../provision/clusterNode.ts';

export interface PairNode {
  name: string;
  ip: string;
}

type ClusterNode = ReturnType<typeof clusterNode>;

/** node a (A) creates cluster `clusterName`, b (B) joins it with `token`; each one's service started */
export async function clusterPair(
  a: ClusterNode,
  b: ClusterNode,
  o: { A: PairNode; B: PairNode; clusterName: string; token: string },
) {
  const services: Server[] = [];
  const port = await freePort();
  const peerPort = await freePort();
  const created = await createCluster(a.ctx, {
    clusterName: o.clusterName,
    token: o.token,
    nodeName: o.A.name,
    address: o.A.ip,
    port,
  });
  services.push(await startServer({ ...a.ctx, log: () => undefined }, { port, host: o.A.ip }));
  await joinCluster(b.ctx, {
    master: o.A.ip,
    port,
    token: o.token,
    fingerprint: created.fingerprint,
    nodeName: o.B.name,
    address: o.B.ip,
  });
  services.push(await startServer({ ...b.ctx, log: () => undefined }, { port, host: o.B.ip }));
  return {
    port,
    peerPort,
    created,
    /** stops both cluster services */
    close: () => Promise.all(services.map((s) => new Promise((r) => s.close(r)))),
  };
}

/** a dev-mode manager on a cluster root, its peer listener on `ip:peerPort` */
export function clusterManager(
  root: string,
  ip: string,
  peerPort: number,
  o: {
    runner: Runner;
    quorum: () => Promise<{ running: boolean; quorate: boolean; members: number[] }>;
    engines?: false;
    metricsIntervalMs?: number;
  },
): Promise<RunningManager> {
  return startManager({
    dev: true,
    stateDir: path.join(root, 'manager'),
    host: ip,
    port: 0,
    libvirtUri: 'test:///default',
    log: () => undefined,
    clusterRoot: root,
    peerPort,
    ...o,
  });
}
