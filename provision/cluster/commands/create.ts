// `pveca -c`: create a cluster with this node as its first member (the master).
import { randomBytes } from 'node:crypto';
import { createCa, issueOwnCert } from '../ca.ts';
import { ensureCertificate } from '../certs.ts';
import {
  applyLibvirtTls,
  checkLibvirtTarget,
  planLibvirtTls,
  type LibvirtTlsPlan,
} from '../libvirtTls.ts';
import {
  newCluster,
  validateAddress,
  validateClusterName,
  validateJoinToken,
  validateNodeName,
} from '../model.ts';
import { waitForQuorum } from '../status.ts';
import {
  DEFAULT_PORT,
  writeAuthkey,
  writeClusterConfig,
  writeFileAtomic,
  writeState,
} from '../state.ts';
import {
  checkAll,
  defaultNodeName,
  detectAddress,
  refuseIfMember,
  type ClusterContext,
} from './context.ts';

export interface CreateOptions {
  clusterName: string;
  token?: string;
  nodeName?: string;
  address?: string;
  port?: number;
  /** how long to wait for corosync to report quorum */
  waitMs?: number;
}

export interface CreateResult {
  clusterName: string;
  nodeName: string;
  address: string;
  port: number;
  token: string;
  fingerprint: string;
  quorate: boolean;
  /** false: corosync was not started (--root DIR without a start strategy) */
  corosyncStarted: boolean;
  /** libvirt TLS from the cluster CA: the files written (a second run: none), or why not */
  libvirtTls: LibvirtTlsSummary;
}

export interface LibvirtTlsSummary {
  written: string[];
  restart: boolean;
  skipped?: string;
}

export const libvirtTlsSummary = (p: LibvirtTlsPlan): LibvirtTlsSummary => ({
  written: p.files.map((f) => f.file),
  restart: p.restart,
  ...(p.skipped ? { skipped: p.skipped } : {}),
});

export async function createCluster(
  ctx: ClusterContext,
  opts: CreateOptions,
): Promise<CreateResult> {
  const { paths, runner, control } = ctx;
  // every input first: nothing is written or started before all of them are valid
  checkAll(
    () => validateClusterName(opts.clusterName, '--name'),
    () => opts.nodeName === undefined || validateNodeName(opts.nodeName, '--node-name'),
    () => opts.address === undefined || validateAddress(opts.address, '--address'),
    () => opts.token === undefined || validateJoinToken(opts.token, '--token'),
    () => refuseIfMember(paths),
    () => checkLibvirtTarget(paths),
  );
  const nodeName = validateNodeName(opts.nodeName ?? defaultNodeName(), '--node-name');
  const address = validateAddress(opts.address ?? (await detectAddress(runner)), '--address');
  const config = newCluster(opts.clusterName, { name: nodeName, address });
  const token = opts.token ?? randomBytes(18).toString('base64url');
  const port = opts.port ?? DEFAULT_PORT;

  const fingerprint = await ensureCertificate(runner, paths, nodeName, address);
  await createCa(runner, paths, config.clusterName);
  const nodeCert = await issueOwnCert(runner, paths, { name: nodeName, address });
  // checked (certificate, key, CA, names) before the node becomes a member; written after
  const libvirt = planLibvirtTls(paths, { name: nodeName, address }, [nodeName]);
  writeAuthkey(paths, randomBytes(256)); // 2048 bits, like corosync-keygen
  writeFileAtomic(paths.token, token + '\n', 0o600);
  writeClusterConfig(paths, config);
  // cluster.json last: it is what makes this node a member (refuseIfMember)
  writeState(paths, {
    version: 1,
    clusterName: config.clusterName,
    role: 'master',
    nodeName,
    address,
    port,
    master: { name: nodeName, address, fingerprint },
    fingerprint,
    members: { [nodeName]: { fingerprint, nodeCert } },
  });
  await applyLibvirtTls(paths, control, libvirt, ctx.out);
  await control.startCorosync();
  await control.startService();
  const { ok } = control.live
    ? await waitForQuorum(control.quorum, (s) => s.quorate, opts.waitMs ?? 30_000)
    : { ok: false };
  return {
    clusterName: config.clusterName,
    nodeName,
    address,
    port,
    token,
    fingerprint,
    quorate: ok,
    corosyncStarted: control.live,
    libvirtTls: libvirtTlsSummary(libvirt),
  };
}
