// `pveca --upgrade-ca` on any member of a cluster made before the cluster CA existed: makes the CA
// here (or keeps the one already made), issues this node's certificate, hands the CA to every
// other member over the signed, pinned cluster service (POST /v1/ca; each signs its own node
// certificate and answers its fingerprint), then pushes the members' certificate fingerprints to
// everyone with the next config_version. Every member it reaches (this one too) also sets up libvirt
// TLS from the CA and its node certificate (libvirtTls.ts): clusters made before either get both.
// Idempotent: run it again for members that were offline.
import { UserError } from '../../../lib/errors.ts';
import { caAckSchema, PROTOCOL_PREFIX, PROTOCOL_VERSION } from '../../../contracts/cluster.ts';
import { parseJson } from '../../../contracts/json.ts';
import { fetchPinned } from '../../../lib/net/pinned.ts';
import { createCa, hasCa, issueOwnCert, readCa } from '../ca.ts';
import { checkLibvirtTarget, setupLibvirtTls } from '../libvirtTls.ts';
import { signPush } from '../protocol.ts';
import { pushConfig, serviceUrl } from '../push.ts';
import { readAuthkey, writeClusterConfig, writeState } from '../state.ts';
import { requireCluster, type ClusterContext } from './context.ts';

export interface UpgradeCaResult {
  cluster: string;
  /** false: this node already had the CA (a second run) */
  created: boolean;
  /** every member: its node certificate fingerprint, or why it has none yet */
  nodes: { name: string; nodeCert?: string; error?: string }[];
  configVersion: number;
}

export async function upgradeCa(ctx: ClusterContext): Promise<UpgradeCaResult> {
  const { paths, runner } = ctx;
  const { config, state } = requireCluster(paths);
  checkLibvirtTarget(paths);
  const created = !hasCa(paths);
  if (created) await createCa(runner, paths, config.clusterName);
  const ca = readCa(paths)!;
  const authkey = readAuthkey(paths);
  const body = JSON.stringify({ version: PROTOCOL_VERSION, ca });
  const nodes = await Promise.all(
    config.nodes.map(async (n): Promise<UpgradeCaResult['nodes'][number]> => {
      if (n.name === state.nodeName) {
        const nodeCert = await issueOwnCert(runner, paths, n);
        // and libvirt TLS from it (clusters made before pveca set that up get it here)
        await setupLibvirtTls(
          paths,
          ctx.control,
          n,
          config.nodes.map((m) => m.name),
          ctx.out,
        ).catch((err: Error) => ctx.out(`libvirt TLS not set up: ${err.message.split('\n')[0]}`));
        return { name: n.name, nodeCert };
      }
      const pin = state.members?.[n.name]?.fingerprint;
      if (!pin) return { name: n.name, error: 'no pinned service certificate for it' };
      const time = String(Date.now());
      try {
        const res = await fetchPinned(serviceUrl(n.address, state.port, `${PROTOCOL_PREFIX}/ca`), {
          method: 'POST',
          body,
          fingerprint: pin,
          timeoutMs: 30_000,
          headers: {
            'content-type': 'application/json',
            'x-openve-time': time,
            'x-openve-signature': signPush(authkey, time, body),
          },
        });
        const ack = parseJson(caAckSchema, res.text(), `CA answer of ${n.name}`);
        return { name: n.name, nodeCert: ack.nodeCert };
      } catch (err) {
        return { name: n.name, error: (err as Error).message.split('\n')[0] ?? 'failed' };
      }
    }),
  );
  const members = { ...state.members };
  for (const n of nodes) {
    const entry = members[n.name];
    if (entry && n.nodeCert) members[n.name] = { ...entry, nodeCert: n.nodeCert };
  }
  // the members' fingerprints travel with the nodelist: the next version, same nodes
  const next = { ...config, configVersion: config.configVersion + 1 };
  writeState(paths, { ...state, members });
  writeClusterConfig(paths, next);
  await pushConfig({ ...state, members }, authkey, { config: next, members });
  await ctx.control.reloadCorosync();
  if (nodes.every((n) => n.error))
    throw new UserError({ path: 'pveca --upgrade-ca', message: 'no member got the CA' });
  return { cluster: config.clusterName, created, nodes, configVersion: next.configVersion };
}

export function formatUpgradeCa(r: UpgradeCaResult): string {
  const lines = r.nodes.map((n) =>
    n.nodeCert
      ? `  ${n.name}: node certificate ${n.nodeCert}`
      : `  ${n.name}: NOT upgraded: ${n.error}`,
  );
  const again = r.nodes.some((n) => n.error)
    ? '\nrun pveca --upgrade-ca again once those members are online'
    : '';
  return `cluster '${r.cluster}': ${r.created ? 'CA created' : 'CA already here'}; config version ${r.configVersion}\n${lines.join('\n')}${again}`;
}
