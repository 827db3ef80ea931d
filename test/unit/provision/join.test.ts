// The join protocol end to end over real HTTPS on 127.0.0.x: a master's service, joiners, and a
// member receiving the master's config push. corosync itself is faked (runner + control).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UserError } from '../../../lib/errors.ts';
import { realRunner } from '../../../lib/exec/runner.ts';
import type { CommandRunner } from '../../../lib/exec/types.ts';
import {
  createCluster,
  joinCluster,
  type ClusterContext,
} from '../../../provision/cluster/commands.ts';
import { readClusterConfig, readState } from '../../../provision/cluster/state.ts';
import { startServer } from '../../../provision/cluster/server.ts';
import { nodePaths } from '../../../provision/paths.ts';

const TOKEN = 'unit-token-abcdefgh';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'openve-join-'));
const servers: https.Server[] = [];

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A node: real openssl, fake corosync (every node in its corosync.conf is online and quorate). */
function node(name: string) {
  const paths = nodePaths(path.join(tmp, name));
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
  const control = {
    startCorosync: async () => void calls.push('start corosync'),
    reloadCorosync: async () => void calls.push('reload corosync'),
    startService: async () => void calls.push('start service'),
  };
  const ctx: ClusterContext = { paths, runner, control, out: () => undefined };
  return { ctx, paths, calls };
}

const expectUserError = async (p: Promise<unknown>, pattern: RegExp) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  expect((err as UserError).message).toMatch(pattern);
};

// real TLS, openssl and scrypt: allow for a loaded machine
describe('join protocol (HTTPS service on 127.0.0.1)', { timeout: 30_000 }, () => {
  const master = node('master');
  let port = 0;
  let fingerprint = '';

  beforeAll(async () => {
    port = await freePort();
    const created = await createCluster(master.ctx, {
      clusterName: 'unit',
      token: TOKEN,
      nodeName: 'pve1',
      address: '127.0.0.1',
      port,
    });
    fingerprint = created.fingerprint;
    servers.push(
      await startServer({ ...master.ctx, log: () => undefined }, { port, host: '127.0.0.1' }),
    );
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    rmSync(tmp, { recursive: true, force: true });
  });

  test('create wrote token 0600, authkey 0400, a one-node corosync.conf and started corosync + service', () => {
    expect(statSync(master.paths.authkey).mode & 0o777).toBe(0o400);
    expect(statSync(master.paths.token).mode & 0o777).toBe(0o600);
    expect(readFileSync(master.paths.authkey).length).toBe(256);
    expect(readClusterConfig(master.paths)?.nodes).toEqual([
      { nodeid: 1, name: 'pve1', address: '127.0.0.1' },
    ]);
    expect(master.calls).toEqual(expect.arrayContaining(['start corosync', 'start service']));
  });

  test("Debian's placeholder corosync.conf is replaced; any other foreign corosync.conf is left alone", async () => {
    const debian = node('debian-default');
    mkdirSync(path.dirname(debian.paths.corosyncConf), { recursive: true });
    writeFileSync(
      debian.paths.corosyncConf,
      'totem {\n version: 2\n cluster_name: debian\n}\nnodelist {\n node {\n  name: node1\n  nodeid: 1\n  ring0_addr: 127.0.0.1\n }\n}\n',
    );
    const r = await createCluster(debian.ctx, {
      clusterName: 'fresh',
      token: TOKEN,
      nodeName: 'solo',
      address: '127.0.0.9',
      port: await freePort(),
    });
    expect(r.clusterName).toBe('fresh');
    expect(readClusterConfig(debian.paths)?.clusterName).toBe('fresh');

    const foreign = node('foreign');
    mkdirSync(path.dirname(foreign.paths.corosyncConf), { recursive: true });
    writeFileSync(
      foreign.paths.corosyncConf,
      'totem {\n cluster_name: prod\n}\nnodelist {\n node {\n  nodeid: 1\n  ring0_addr: 10.1.1.1\n }\n}\n',
    );
    await expectUserError(
      createCluster(foreign.ctx, { clusterName: 'x', nodeName: 'a', address: '127.0.0.9' }),
      /corosync\.conf exists and was not written by pveca \(cluster 'prod'\); move it away/,
    );
    await expectUserError(
      createCluster(master.ctx, { clusterName: 'x', nodeName: 'a', address: '127.0.0.9' }),
      /already a member of cluster 'unit'/,
    );
  });

  test('a wrong token is refused: by the master when the fingerprint is pinned, by the proof check otherwise', async () => {
    const j = node('wrong');
    await expectUserError(
      joinCluster(j.ctx, {
        master: '127.0.0.1',
        port,
        token: 'nope-nope-nope',
        fingerprint,
        nodeName: 'pve9',
        address: '127.0.0.9',
      }),
      /--token: master 127\.0\.0\.1 refused: wrong join token/,
    );
    await expectUserError(
      joinCluster(j.ctx, {
        master: '127.0.0.1',
        port,
        token: 'nope-nope-nope',
        nodeName: 'pve9',
        address: '127.0.0.9',
      }),
      /--token: .*could not prove it knows this token/,
    );
    expect(readClusterConfig(j.paths)).toBeUndefined();
  });

  test('a fingerprint that does not match the master is refused before the token is sent', async () => {
    const j = node('badpin');
    await expectUserError(
      joinCluster(j.ctx, {
        master: '127.0.0.1',
        port,
        token: TOKEN,
        fingerprint: '00'.repeat(32),
        nodeName: 'pve9',
        address: '127.0.0.9',
      }),
      /--fingerprint: .*fingerprint mismatch/,
    );
  });

  test('an unreachable master is named as such', async () => {
    const j = node('unreach');
    const closed = await freePort();
    await expectUserError(
      joinCluster(j.ctx, {
        master: '127.0.0.1',
        port: closed,
        token: TOKEN,
        nodeName: 'pve9',
        address: '127.0.0.9',
      }),
      new RegExp(`-h: master 127\\.0\\.0\\.1:${closed} unreachable`),
    );
  });

  const member = node('member');
  test('a joiner gets the config and authkey; the master adds it (config_version 2) and reloads', async () => {
    const r = await joinCluster(member.ctx, {
      master: '127.0.0.1',
      port,
      token: TOKEN,
      fingerprint,
      nodeName: 'pve2',
      address: '127.0.0.2',
    });
    expect(r).toMatchObject({
      clusterName: 'unit',
      nodeid: 2,
      quorate: true,
      members: 2,
      unreachable: [],
    });
    expect(readFileSync(member.paths.authkey)).toEqual(readFileSync(master.paths.authkey));
    expect(statSync(member.paths.authkey).mode & 0o777).toBe(0o400);
    expect(readClusterConfig(member.paths)).toEqual(readClusterConfig(master.paths));
    expect(readClusterConfig(master.paths)?.configVersion).toBe(2);
    expect(readState(member.paths)).toMatchObject({
      role: 'node',
      master: { name: 'pve1', address: '127.0.0.1', fingerprint },
    });
    expect(master.calls).toContain('reload corosync');
    expect(member.calls).toEqual(expect.arrayContaining(['start service', 'start corosync']));
    servers.push(
      await startServer({ ...member.ctx, log: () => undefined }, { port, host: '127.0.0.2' }),
    );
  });

  test('the next join is pushed to the existing member (token proven without --fingerprint)', async () => {
    const third = node('third');
    const r = await joinCluster(third.ctx, {
      master: '127.0.0.1',
      port,
      token: TOKEN,
      nodeName: 'pve3',
      address: '127.0.0.3',
    });
    expect(r).toMatchObject({ nodeid: 3, members: 3, unreachable: [] });
    expect(readClusterConfig(member.paths)?.nodes.map((n) => n.name)).toEqual([
      'pve1',
      'pve2',
      'pve3',
    ]);
    expect(readClusterConfig(member.paths)?.configVersion).toBe(3);
  });

  test('name clash and already-member are refused with clear messages', async () => {
    await expectUserError(
      joinCluster(node('clash').ctx, {
        master: '127.0.0.1',
        port,
        token: TOKEN,
        fingerprint,
        nodeName: 'pve2',
        address: '127.0.0.8',
      }),
      /--node-name: master 127\.0\.0\.1 refused: node name 'pve2' is already used by 127\.0\.0\.2/,
    );
    await expectUserError(
      joinCluster(node('again').ctx, {
        master: '127.0.0.1',
        port,
        token: TOKEN,
        fingerprint,
        nodeName: 'pve2',
        address: '127.0.0.2',
      }),
      /pveca -a: master 127\.0\.0\.1 refused: node 'pve2' \(127\.0\.0\.2\) is already a member of cluster 'unit'/,
    );
    await expectUserError(
      joinCluster(member.ctx, {
        master: '127.0.0.1',
        port,
        token: TOKEN,
        fingerprint,
        nodeName: 'pve2',
        address: '127.0.0.2',
      }),
      /this node is already a member of cluster 'unit'/,
    );
  });

  test('a join is refused (retryably) while members do not answer (pve3 runs no service here)', async () => {
    const memberServer = servers[1]!;
    await new Promise((r) => memberServer.close(r));
    const fourth = node('fourth');
    await expectUserError(
      joinCluster(fourth.ctx, {
        master: '127.0.0.1',
        port,
        token: TOKEN,
        fingerprint,
        nodeName: 'pve4',
        address: '127.0.0.4',
      }),
      /refused for now: members pve2 \(127\.0\.0\.2\), pve3 \(127\.0\.0\.3\) not reachable on port \d+/,
    );
    expect(readClusterConfig(master.paths)?.nodes).toHaveLength(3);
    servers[1] = await startServer(
      { ...member.ctx, log: () => undefined },
      { port, host: '127.0.0.2' },
    );
  });

  test('a pushed config not signed with the cluster authkey is rejected', async () => {
    const { fetchPinned } = await import('../../../lib/net/pinned.ts');
    const memberFp = readState(member.paths)!.fingerprint;
    const res = await fetchPinned(`https://127.0.0.2:${port}/v1/config`, {
      method: 'POST',
      body: '{}',
      fingerprint: memberFp,
      acceptAnyStatus: true,
      headers: { 'x-openve-time': String(Date.now()), 'x-openve-signature': '00'.repeat(32) },
    });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text())).toMatchObject({ error: 'bad-signature' });
  });

  test('a member that missed a push pulls the newer nodelist from the master', async () => {
    const { pullConfig } = await import('../../../provision/cluster/push.ts');
    const { writeClusterConfig, readAuthkey } = await import('../../../provision/cluster/state.ts');
    const latest = readClusterConfig(master.paths)!;
    const stale = { ...latest, configVersion: 2, nodes: latest.nodes.slice(0, 2) };
    writeClusterConfig(member.paths, stale);
    const applied: number[] = [];
    const state = readState(member.paths)!;
    const apply = async (c: typeof latest) => {
      applied.push(c.configVersion);
      writeClusterConfig(member.paths, c);
    };
    expect(
      await pullConfig(state, readAuthkey(member.paths), readClusterConfig(member.paths), apply),
    ).toBe(3);
    expect(readClusterConfig(member.paths)).toEqual(latest);
    expect(
      await pullConfig(state, readAuthkey(member.paths), readClusterConfig(member.paths), apply),
    ).toBeUndefined();
    expect(applied).toEqual([3]);
    await expect(pullConfig(state, Buffer.alloc(256, 1), undefined, apply)).rejects.toThrow(
      /HTTP 403/,
    );
  });

  test('joining retries a master that is not up yet (first boot)', async () => {
    const late = node('late');
    const latePort = await freePort();
    const lateMaster = node('latemaster');
    await createCluster(lateMaster.ctx, {
      clusterName: 'late',
      token: TOKEN,
      nodeName: 'm',
      address: '127.0.0.1',
      port: latePort,
    });
    setTimeout(() => {
      void startServer(
        { ...lateMaster.ctx, log: () => undefined },
        { port: latePort, host: '127.0.0.1' },
      ).then((s) => servers.push(s));
    }, 1500);
    const lines: string[] = [];
    const r = await joinCluster(
      { ...late.ctx, out: (l) => lines.push(l) },
      {
        master: '127.0.0.1',
        port: latePort,
        token: TOKEN,
        nodeName: 'n2',
        address: '127.0.0.5',
        retryMs: 20_000,
      },
    );
    expect(r.nodeid).toBe(2);
    expect(lines.join('\n')).toMatch(/not answering yet; retrying/);
  });
});
