// The master sends a changed nodelist to members (before `corosync-cfgtool -R`).
import { clusterConfigSchema, PROTOCOL_PREFIX } from '../../contracts/cluster.ts';
import { parseJson } from '../../contracts/json.ts';
import { fetchPinned } from '../../lib/net/pinned.ts';
import type { ClusterConfig } from './model.ts';
import { signPush } from './protocol.ts';
import type { ClusterState } from './state.ts';

export function serviceUrl(address: string, port: number, route: string): string {
  const host = address.includes(':') ? `[${address}]` : address;
  return `https://${host}:${port}${route}`;
}

/** Pushes `config` to every member except the master and `skip`; returns the names it could not reach. */
export async function pushConfig(
  state: ClusterState,
  authkey: Uint8Array,
  config: ClusterConfig,
  skip: string[] = [],
): Promise<string[]> {
  const body = JSON.stringify(config);
  const targets = config.nodes.filter((n) => n.name !== state.nodeName && !skip.includes(n.name));
  const results = await Promise.all(
    targets.map(async (n) => {
      const pin = state.members?.[n.name]?.fingerprint;
      if (!pin) return n.name;
      const time = String(Date.now());
      try {
        await fetchPinned(serviceUrl(n.address, state.port, '/v1/config'), {
          method: 'POST',
          body,
          fingerprint: pin,
          timeoutMs: 3000,
          headers: {
            'content-type': 'application/json',
            'x-openve-time': time,
            'x-openve-signature': signPush(authkey, time, body),
          },
        });
        return undefined;
      } catch {
        return n.name;
      }
    }),
  );
  return results.filter((r): r is string => r !== undefined);
}

/**
 * A member that was down while the master pushed catches up: it fetches the master's nodelist
 * and, when newer than its own, writes it and asks corosync to reload. Returns the new version, or
 * undefined when nothing changed.
 */
export async function pullConfig(
  state: ClusterState,
  authkey: Uint8Array,
  current: ClusterConfig | undefined,
  apply: (config: ClusterConfig) => Promise<void>,
): Promise<number | undefined> {
  const time = String(Date.now());
  const res = await fetchPinned(serviceUrl(state.master.address, state.port, '/v1/config'), {
    fingerprint: state.master.fingerprint,
    timeoutMs: 5000,
    headers: { 'x-openve-time': time, 'x-openve-signature': signPush(authkey, time, '') },
  });
  const config: ClusterConfig = parseJson(clusterConfigSchema, res.text(), `master ${PROTOCOL_PREFIX}/config`);
  if (current && current.configVersion >= config.configVersion) return undefined;
  await apply(config);
  return config.configVersion;
}

/**
 * Members (except this node and `skip`) whose service does not answer a signed request. A join is
 * refused while any is unreachable: a member left with an old nodelist keeps corosync's membership
 * from forming for the newcomer (measured: endless "Token has not been received" churn).
 */
export async function unreachableMembers(
  state: ClusterState,
  authkey: Uint8Array,
  config: ClusterConfig,
  skip: string[] = [],
): Promise<ClusterConfig['nodes']> {
  const targets = config.nodes.filter((n) => n.name !== state.nodeName && !skip.includes(n.name));
  const results = await Promise.all(
    targets.map(async (n) => {
      const pin = state.members?.[n.name]?.fingerprint;
      if (!pin) return n;
      const time = String(Date.now());
      try {
        await fetchPinned(serviceUrl(n.address, state.port, '/v1/config'), {
          fingerprint: pin,
          timeoutMs: 3000,
          headers: { 'x-openve-time': time, 'x-openve-signature': signPush(authkey, time, '') },
        });
        return undefined;
      } catch {
        return n;
      }
    }),
  );
  return results.filter((r): r is ClusterConfig['nodes'][number] => r !== undefined);
}

export function describeUnreachable(nodes: ClusterConfig['nodes'], port: number): string {
  const list = nodes.map((n) => `${n.name} (${n.address})`).join(', ');
  return `member${nodes.length > 1 ? 's' : ''} ${list} not reachable on port ${port}: every member must learn the new nodelist; start openve-cluster.service there, or remove the member with 'pveca -d'`;
}
