// Members tell each other about a changed nodelist (before `corosync-cfgtool -R`), and a member
// that was away pulls the newest one. Every member pins every other by the certificate fingerprint
// it sent when joining (ClusterState.members).
import {
  PROTOCOL_PREFIX,
  PROTOCOL_VERSION,
  pushAckSchema,
  snapshotSchema,
} from '../../contracts/cluster.ts';
import { parseJson } from '../../contracts/json.ts';
import { fetchPinned } from '../../lib/net/pinned.ts';
import type { ClusterConfig } from './model.ts';
import { signPush, type ClusterSnapshot, type ConfigPush } from './protocol.ts';
import type { ClusterState } from './state.ts';

type Node = ClusterConfig['nodes'][number];

export function serviceUrl(address: string, port: number, route: string): string {
  const host = address.includes(':') ? `[${address}]` : address;
  return `https://${host}:${port}${route}`;
}

const others = (state: ClusterState, config: ClusterConfig, skip: string[]) =>
  config.nodes.filter((n) => n.name !== state.nodeName && !skip.includes(n.name));

function signed(authkey: Uint8Array, body: string): Record<string, string> {
  const time = String(Date.now());
  return { 'x-openve-time': time, 'x-openve-signature': signPush(authkey, time, body) };
}

/** Pushes the snapshot to every other member except `skip`; returns the names it could not reach. */
export async function pushConfig(
  state: ClusterState,
  authkey: Uint8Array,
  snapshot: Omit<ClusterSnapshot, 'version'>,
  skip: string[] = [],
  reload = false,
): Promise<string[]> {
  return pushConfigTo(state, authkey, snapshot, others(state, snapshot.config, skip), reload);
}

/** Pushes the snapshot to `targets` (pinned by `state.members`); returns the names not reached. */
export async function pushConfigTo(
  state: ClusterState,
  authkey: Uint8Array,
  snapshot: Omit<ClusterSnapshot, 'version'>,
  targets: Node[],
  reload = false,
): Promise<string[]> {
  const push: ConfigPush = {
    version: PROTOCOL_VERSION,
    ...snapshot,
    ...(reload ? { reload } : {}),
  };
  const body = JSON.stringify(push);
  const results = await Promise.all(
    targets.map(async (n) => {
      const pin = state.members?.[n.name]?.fingerprint;
      if (!pin) return n.name;
      try {
        const res = await fetchPinned(
          serviceUrl(n.address, state.port, `${PROTOCOL_PREFIX}/config`),
          {
            method: 'POST',
            body,
            fingerprint: pin,
            timeoutMs: 5000,
            headers: { 'content-type': 'application/json', ...signed(authkey, body) },
          },
        );
        parseJson(pushAckSchema, res.text(), 'push reply');
        return undefined;
      } catch {
        return n.name;
      }
    }),
  );
  return results.filter((r): r is string => r !== undefined);
}

/** One member's current snapshot (signed request, pinned certificate). */
export async function fetchSnapshot(
  state: ClusterState,
  authkey: Uint8Array,
  node: Node,
  timeoutMs = 5000,
): Promise<ClusterSnapshot> {
  const pin = state.members?.[node.name]?.fingerprint;
  if (!pin) throw new Error(`no pinned certificate for member ${node.name}`);
  const res = await fetchPinned(serviceUrl(node.address, state.port, `${PROTOCOL_PREFIX}/config`), {
    fingerprint: pin,
    timeoutMs,
    headers: signed(authkey, ''),
  });
  return parseJson(snapshotSchema, res.text(), `config from ${node.name}`);
}

/**
 * The newest snapshot any other member has (highest config_version), or undefined when none
 * answers. A member that was down during a push catches up with it.
 */
export async function newestSnapshot(
  state: ClusterState,
  authkey: Uint8Array,
  config: ClusterConfig,
): Promise<ClusterSnapshot | undefined> {
  const got = await Promise.all(
    others(state, config, []).map((n) => fetchSnapshot(state, authkey, n).catch(() => undefined)),
  );
  let best: ClusterSnapshot | undefined;
  for (const s of got)
    if (s && (!best || s.config.configVersion > best.config.configVersion)) best = s;
  return best;
}

/**
 * Members (except this node and `skip`) whose service does not answer a signed request. With
 * `online` (nodeids in the corosync membership), only members that run corosync count: a member
 * left running with an old nodelist keeps corosync's membership from forming for a newcomer
 * (measured: endless "Token has not been received" churn), while a member that is down pulls the
 * new nodelist when its service starts again.
 */
export async function unreachableMembers(
  state: ClusterState,
  authkey: Uint8Array,
  config: ClusterConfig,
  skip: string[] = [],
  online?: ReadonlySet<number>,
): Promise<Node[]> {
  const targets = others(state, config, skip).filter((n) => !online || online.has(n.nodeid));
  const results = await Promise.all(
    targets.map((n) =>
      fetchSnapshot(state, authkey, n, 3000).then(
        () => undefined,
        () => n,
      ),
    ),
  );
  return results.filter((r): r is Node => r !== undefined);
}

export function describeUnreachable(nodes: Node[], port: number): string {
  const list = nodes.map((n) => `${n.name} (${n.address})`).join(', ');
  return `member${nodes.length > 1 ? 's' : ''} ${list} not reachable on port ${port}: every member must learn the new nodelist; start openve-cluster.service there, or remove the member with 'pveca -d'`;
}
