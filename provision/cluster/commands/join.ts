// `pveca -a -h MASTER`: join an existing cluster through its join service.
import { UserError } from '../../../installer/errors.ts';
import {
  explainTransport,
  isRetryable,
  requestJoin,
  verifiedMasterFingerprint,
} from '../client.ts';
import { ensureCertificate } from '../certs.ts';
import { validateAddress, validateNodeName } from '../model.ts';
import { waitForQuorum } from '../status.ts';
import { DEFAULT_PORT, writeAuthkey, writeClusterConfig, writeState } from '../state.ts';
import { defaultNodeName, detectAddress, refuseIfMember, type ClusterContext } from './context.ts';

export interface JoinOptions {
  master: string;
  token: string;
  fingerprint?: string;
  nodeName?: string;
  address?: string;
  port?: number;
  /** keep retrying an unreachable master this long (first boot: long; CLI: 0 = once) */
  retryMs?: number;
  waitMs?: number;
}

export interface JoinResult {
  clusterName: string;
  nodeName: string;
  nodeid: number;
  address: string;
  master: { name: string; address: string; fingerprint: string };
  quorate: boolean;
  members: number;
  seconds: number;
  unreachable: string[];
}

export async function joinCluster(ctx: ClusterContext, opts: JoinOptions): Promise<JoinResult> {
  const started = performance.now();
  const { paths, runner, control } = ctx;
  refuseIfMember(paths);
  const master = validateAddress(opts.master, '-h');
  if (!opts.token)
    throw new UserError({
      path: '--token',
      message: 'joining needs the token printed by `pveca -c` on the master',
    });
  const nodeName = validateNodeName(opts.nodeName ?? defaultNodeName(), '--node-name');
  const address = validateAddress(
    opts.address ?? (await detectAddress(runner, master)),
    '--address',
  );
  const port = opts.port ?? DEFAULT_PORT;
  const target = {
    host: master,
    port,
    token: opts.token,
    ...(opts.fingerprint ? { fingerprint: opts.fingerprint } : {}),
  };
  const ownFingerprint = await ensureCertificate(runner, paths, nodeName, address);

  const deadline = Date.now() + (opts.retryMs ?? 0);
  let delay = 1000;
  let response;
  for (;;) {
    try {
      const pin = await verifiedMasterFingerprint(target, 10_000);
      response = await requestJoin(target, pin, {
        name: nodeName,
        address,
        fingerprint: ownFingerprint,
      });
      break;
    } catch (err) {
      if (isRetryable(err) && Date.now() + delay < deadline) {
        const why =
          err instanceof UserError
            ? err.issues[0]?.message
            : `master ${master}:${port} not answering yet`;
        ctx.out(`${why}; retrying in ${Math.round(delay / 1000)} s`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 30_000);
        continue;
      }
      throw explainTransport(err, master, port);
    }
  }

  writeAuthkey(paths, Buffer.from(response.authkey, 'base64'));
  writeState(paths, {
    version: 1,
    clusterName: response.config.clusterName,
    role: 'node',
    nodeName,
    address,
    port: response.port,
    master: response.master,
    fingerprint: ownFingerprint,
  });
  writeClusterConfig(paths, response.config);
  await control.startService();
  await control.startCorosync();
  const want = response.config.nodes.length - response.unreachable.length;
  const { ok, status } = await waitForQuorum(
    runner,
    (s) => s.quorate && s.members.includes(response.nodeid) && s.members.length >= want,
    opts.waitMs ?? 60_000,
  );
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
  };
}
