// A pveca node below a temp root for unit tests: real openssl, corosync faked (every node in its
// corosync.conf is online and quorate).
import net from 'node:net';
import path from 'node:path';
import { realRunner } from '../../../lib/exec/runner.ts';
import type { CommandRunner } from '../../../lib/exec/types.ts';
import type { ClusterContext } from '../../../provision/cluster/commands/index.ts';
import { readClusterConfig } from '../../../provision/cluster/state.ts';
import { queryQuorum } from '../../../provision/cluster/status.ts';
import { nodePaths } from '../../../provision/paths.ts';
import { fakeControl } from './fakeControl.ts';

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

export function clusterNode(dir: string, name: string) {
  const paths = nodePaths(path.join(dir, name));
  const calls: string[] = [];
  const real = realRunner();
  const runner: CommandRunner = {
    async run(argv, options) {
      calls.push(argv.join(' '));
      if (argv[0] === 'corosync-quorumtool') {
        const ids = readClusterConfig(paths)?.nodes.map((n) => n.nodeid) ?? [];
        const rows = ids.map((id) => `         ${id}          1 n${id}`).join('\n');
        const stdout = `Quorum information\n------------------\nQuorate:          Yes\n\nMembership information\n----------------------\n    Nodeid      Votes Name\n${rows}\n`;
        return { argv: [...argv], exitCode: 0, stdout, stderr: '', durationMs: 1 };
      }
      return real.run(argv, options);
    },
  };
  const control = fakeControl(calls, () => queryQuorum(runner));
  const ctx: ClusterContext = { paths, runner, control, out: () => undefined };
  return { ctx, paths, calls };
}
