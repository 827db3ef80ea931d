// `pveca -a -h MEMBER[,MEMBER...]`: join an existing cluster through any member's join service.
import { UserError } from '../../../lib/errors.ts';
import {
  explainTransport,
  isRetryable,
  NotCoordinatorError,
  requestJoin,
  verifiedMasterFingerprint,
} from '../client.ts';
import { installNodeCert, makeNodeCsr, writeCa } from '../ca.ts';
import { ensureCertificate } from '../certs.ts';
import {
  applyLibvirtTls,
  checkLibvirtTarget,
  planLibvirtTls,
  type LibvirtTlsPlan,
} from '../libvirtTls.ts';
import { libvirtTlsSummary, type LibvirtTlsSummary } from './create.ts';
import {
  validateAddress,
  validateFingerprint,
  validateJoinToken,
  validateNodeName,
} from '../model.ts';
import type { JoinResponse } from '../protocol.ts';
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

export interface JoinOptions {
  /** the member to ask first (the master; `--fingerprint` pins its certificate) */
  master: string;
  /** more members to ask when the first does not answer (`-h A,B,C`): joins work while the master is down */
  members?: string[];
  token: string;
  fingerprint?: string;
  nodeName?: string;
  address?: string;
  port?: number;
  /** keep retrying unreachable members this long (first boot: long; CLI: 0 = one round) */
  retryMs?: number;
  waitMs?: number;
}

export interface JoinResult {
  clusterName: string;
  nodeName: string;
  nodeid: number;
  address: string;
  /** the member that accepted the join */
  master: { name: string; address: string; fingerprint: string };
  quorate: boolean;
  members: number;
  seconds: number;
  unreachable: string[];
  /** false: corosync was not started (--root DIR without a start strategy) */
  corosyncStarted: boolean;
  /** libvirt TLS from the cluster CA: the files written, or why not */
  libvirtTls: LibvirtTlsSummary;
}

export async function joinCluster(ctx: ClusterContext, opts: JoinOptions): Promise<JoinResult> {
  const started = performance.now();
  const { paths, runner, control } = ctx;
  // every input first: nothing is written, run or sent before all of them are valid
  checkAll(
    () => validateAddress(opts.master, '-h'),
    ...(opts.members ?? []).map((m) => () => validateAddress(m, '-h')),
    () =>
      opts.token
        ? validateJoinToken(opts.token, '--token')
        : (() => {
            throw new UserError({
              path: '--token',
              message: 'joining needs the token printed by `pveca -c` on the master',
            });
          })(),
    () => opts.fingerprint === undefined || validateFingerprint(opts.fingerprint, '--fingerprint'),
    () => opts.nodeName === undefined || validateNodeName(opts.nodeName, '--node-name'),
    () => opts.address === undefined || validateAddress(opts.address, '--address'),
    () => refuseIfMember(paths),
    () => checkLibvirtTarget(paths),
  );
  const master = validateAddress(opts.master, '-h');
  const candidates = [
    ...new Set([master, ...(opts.members ?? []).map((m) => validateAddress(m, '-h'))]),
  ];
  const nodeName = validateNodeName(opts.nodeName ?? defaultNodeName(), '--node-name');
  const address = validateAddress(
    opts.address ?? (await detectAddress(runner, master)),
    '--address',
  );
  if (candidates.includes(address))
    throw new UserError({
      path: '-h',
      message: `${address} is this node's own address: give the address of a member of the cluster to join`,
    });
  const port = opts.port ?? DEFAULT_PORT;
  const ownFingerprint = await ensureCertificate(runner, paths, nodeName, address);
  const csr = await makeNodeCsr(runner, paths);
  const response = await askMembers(ctx, {
    candidates,
    port,
    token: opts.token,
    ...(opts.fingerprint ? { fingerprint: opts.fingerprint } : {}),
    request: { name: nodeName, address, fingerprint: ownFingerprint, csr },
    retryMs: opts.retryMs ?? 0,
  });

  // a cluster with a CA signed our CSR (a cluster made before has none: `pveca --upgrade-ca`)
  if (response.ca) writeCa(paths, response.ca);
  const nodeCert = response.certificate ? installNodeCert(paths, response.certificate) : undefined;
  // checked (certificate, key, CA, names) before the node becomes a member; written after
  const libvirt: LibvirtTlsPlan =
    response.ca && nodeCert
      ? planLibvirtTls(
          paths,
          { name: nodeName, address },
          response.config.nodes.map((n) => n.name),
        )
      : {
          files: [],
          restart: false,
          skipped:
            'the cluster has no CA yet: libvirt TLS not set up (run pveca --upgrade-ca on a member)',
        };
  writeAuthkey(paths, Buffer.from(response.authkey, 'base64'));
  // the pre-shared token: this member can accept the next joiner itself (the master may be down)
  writeFileAtomic(paths.token, opts.token + '\n', 0o600);
  writeClusterConfig(paths, response.config);
  writeState(paths, {
    version: 1,
    clusterName: response.config.clusterName,
    role: 'node',
    nodeName,
    address,
    port: response.port,
    master: response.master,
    fingerprint: ownFingerprint,
    members: {
      ...response.members,
      [nodeName]: { fingerprint: ownFingerprint, ...(nodeCert ? { nodeCert } : {}) },
    },
  });
  await applyLibvirtTls(paths, control, libvirt, ctx.out);
  await control.startService();
  await control.startCorosync();
  const want = response.config.nodes.length - response.unreachable.length;
  const { ok, status } = control.live
    ? await waitForQuorum(
        control.quorum,
        (s) => s.quorate && s.members.includes(response.nodeid) && s.members.length >= want,
        opts.waitMs ?? 60_000,
      )
    : { ok: false, status: { members: [] } };
  return {
    clusterName: response.config.clusterName,
    nodeName,
    nodeid: response.nodeid,
    address,
    master: response.master,
    quorate: ok,
    members: status.members.length,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    unreachable: response.unreachable,
    corosyncStarted: control.live,
    libvirtTls: libvirtTlsSummary(libvirt),
  };
}

interface Ask {
  candidates: string[];
  port: number;
  token: string;
  /** pins the first candidate (the master); the others prove the token */
  fingerprint?: string;
  request: { name: string; address: string; fingerprint: string; csr?: string };
  retryMs: number;
}

/**
 * Asks the members in turn until one accepts: an unreachable or busy member passes to the next,
 * a member that is not the coordinator names the one that is (asked next). After a round with no
 * answer, waits (1 s doubling to 30 s) while `retryMs` lasts. Any other refusal ends the join.
 */
async function askMembers(ctx: ClusterContext, ask: Ask): Promise<JoinResponse> {
  const deadline = Date.now() + ask.retryMs;
  const queue = [...ask.candidates];
  let delay = 1000;
  for (;;) {
    let last: unknown;
    const tried = new Set<string>();
    while (queue.length) {
      const host = queue.shift()!;
      if (tried.has(host)) continue;
      tried.add(host);
      const pinned = host === ask.candidates[0] && ask.fingerprint;
      const target = {
        host,
        port: ask.port,
        token: ask.token,
        ...(pinned ? { fingerprint: ask.fingerprint } : {}),
      };
      try {
        const pin = await verifiedMasterFingerprint(target, 10_000);
        return await requestJoin(target, pin, ask.request);
      } catch (err) {
        if (err instanceof NotCoordinatorError) {
          ctx.out(`${host}: ${err.issues[0]?.message}; asking it`);
          if (!tried.has(err.coordinator.address)) queue.unshift(err.coordinator.address);
          last = err;
          continue;
        }
        if (!isRetryable(err)) throw explainTransport(err, host, ask.port);
        last = err;
        if (ask.candidates.length > 1) ctx.out(`${host}: ${reason(err, host, ask.port)}`);
      }
    }
    queue.push(...ask.candidates);
    if (Date.now() + delay >= deadline) {
      throw explainTransport(last, ask.candidates.at(-1)!, ask.port);
    }
    ctx.out(
      `${reason(last, ask.candidates[0]!, ask.port)}; retrying in ${Math.round(delay / 1000)} s`,
    );
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 30_000);
  }
}

function reason(err: unknown, host: string, port: number): string {
  return err instanceof UserError
    ? (err.issues[0]?.message ?? err.message)
    : `master ${host}:${port} not answering yet`;
}
