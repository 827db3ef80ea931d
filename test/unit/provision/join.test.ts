// The join protocol end to end over real HTTPS on 127.0.0.x: a master's service, joiners, and a
// member receiving the master's config push. corosync itself is faked (runner + control).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UserError } from '../../../lib/errors.ts';
import { createCluster, joinCluster } from '../../../provision/cluster/commands/index.ts';
import { readClusterConfig, readState } from '../../../provision/cluster/state.ts';
import { startServer } from '../../../provision/cluster/server.ts';
import { clusterNode, freePort } from './clusterNode.ts';
import { selfSignedCert, serve, withBody, type TestServer } from '../../helpers/tls.ts';
import { helloProof } from '../../../provision/cluster/protocol.ts';
import { clusterInit } from '../../../provision/firstboot/clusterInit.ts';
import type { NodeConfig } from '../../../contracts/node/types.ts';

const TOKEN = 'unit-token-abcdefgh';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'openve-join-'));
const servers: https.Server[] = [];

/** A node below the temp root: real openssl, fake corosync (clusterNode.ts). */
const node = (name: string) => clusterNode(tmp, name);

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
  const serviceLog: string[] = [];
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
      await startServer(
        { ...master.ctx, log: (l) => serviceLog.push(l) },
        { port, host: '127.0.0.1' },
      ),
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
        token: 'nope-nope-nope-nope',
        fingerprint,
        nodeName: 'pve9',
        address: '127.0.0.9',
      }),
      /--token: member 127\.0\.0\.1 refused: wrong join token/,
    );
    await expectUserError(
      joinCluster(j.ctx, {
        master: '127.0.0.1',
        port,
        token: 'nope-nope-nope-nope',
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
  const third = node('third');
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
      /--node-name: member 127\.0\.0\.1 refused: node name 'pve2' is already used by 127\.0\.0\.2/,
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
      /pveca -a: member 127\.0\.0\.1 refused: node 'pve2' \(127\.0\.0\.2\) is already a member of cluster 'unit'/,
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

  test('a member that is not the coordinator names it; the joiner asks it next', async () => {
    servers.push(
      await startServer({ ...third.ctx, log: () => undefined }, { port, host: '127.0.0.3' }),
    );
    const fifth = node('fifth');
    const lines: string[] = [];
    const r = await joinCluster(
      { ...fifth.ctx, out: (l) => lines.push(l) },
      { master: '127.0.0.3', port, token: TOKEN, nodeName: 'pve5', address: '127.0.0.5' },
    );
    expect(r).toMatchObject({ nodeid: 4, master: { name: 'pve1' }, unreachable: [] });
    expect(lines.join('\n')).toMatch(
      /127\.0\.0\.3: joins are accepted by pve1 \(127\.0\.0\.1\), the lowest online nodeid; asking it/,
    );
    expect(readClusterConfig(third.paths)?.nodes.map((n) => n.name)).toEqual([
      'pve1',
      'pve2',
      'pve3',
      'pve5',
    ]);
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

  test('malformed join requests are answered 400 naming the field; no stack, no token in reply or log', async () => {
    const { fetchPinned } = await import('../../../lib/net/pinned.ts');
    const post = async (body: string) => {
      const res = await fetchPinned(`https://127.0.0.1:${port}/v1/join`, {
        method: 'POST',
        body,
        fingerprint,
        acceptAnyStatus: true,
        headers: { 'content-type': 'application/json' },
      });
      return { status: res.status, text: res.text() };
    };
    const base = {
      version: 2,
      token: TOKEN,
      name: 'pve7',
      address: '127.0.0.7',
      fingerprint,
    };
    const cases: [unknown, RegExp][] = [
      [{ ...base, address: '127.0.0.1\nquorum {' }, /join request: address: .*is not a valid IPv4/],
      [{ ...base, name: 'a b' }, /join request: name: .*not a valid host name/],
      [{ ...base, fingerprint: 'xx' }, /join request: fingerprint: .*not a SHA-256 fingerprint/],
      [{ ...base, token: `${TOKEN}\n` }, /join request: token: may only contain printable ASCII/],
      [
        { ...base, version: 1 },
        /^the join request speaks cluster protocol version 1 .*, this member speaks version 2: /,
      ],
      [{ ...base, version: 3 }, /speaks cluster protocol version 3, this member speaks version 2/],
      [{ ...base, extra: 1 }, /join request: .*extra/i],
      [[1, 2], /join request: /],
    ];
    for (const [body, message] of cases) {
      const r = await post(JSON.stringify(body));
      expect(r.status, r.text).toBe(400);
      const reply = JSON.parse(r.text) as { error: string; message: string };
      expect(reply.error).toBe('bad-request');
      expect(reply.message).toMatch(message);
      expect(reply.message).not.toContain(TOKEN);
      expect(reply.message).not.toMatch(/\n\s+at /);
    }
    for (const text of ['{"token": "' + TOKEN, `{"token": "${TOKEN}"x`]) {
      const notJson = JSON.parse((await post(text)).text) as { error: string; message: string };
      expect(notJson.error).toBe('bad-request');
      expect(notJson.message).toMatch(/^join request: not valid JSON/);
      expect(notJson.message).not.toContain(TOKEN); // JSON.parse's message would quote the body
    }
    expect(serviceLog.join('\n')).not.toContain(TOKEN);
    expect(serviceLog.join('\n')).toMatch(/joined: node 'pve2'/);
  });

  test('a member that missed a push pulls the newer nodelist from the others', async () => {
    const { newestSnapshot, fetchSnapshot } = await import('../../../provision/cluster/push.ts');
    const { applySnapshot } = await import('../../../provision/cluster/server.ts');
    const { writeClusterConfig, readAuthkey } = await import('../../../provision/cluster/state.ts');
    const latest = readClusterConfig(master.paths)!;
    const stale = { ...latest, configVersion: 2, nodes: latest.nodes.slice(0, 2) };
    writeClusterConfig(member.paths, stale);
    const state = readState(member.paths)!;
    const newest = await newestSnapshot(state, readAuthkey(member.paths), stale);
    expect(newest?.config).toEqual(latest);
    const svc = { ...member.ctx, log: () => undefined };
    expect(await applySnapshot(svc, newest!)).toBe(latest.configVersion);
    expect(readClusterConfig(member.paths)).toEqual(latest);
    expect(await applySnapshot(svc, newest!)).toBe(latest.configVersion); // a replay changes nothing
    await expect(fetchSnapshot(state, Buffer.alloc(256, 1), latest.nodes[0]!)).rejects.toThrow(
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

// [cluster] members in the answer file -> node.json -> first boot: the joiner asks each in turn
describe('first-boot join through a member list (master down)', { timeout: 30_000 }, () => {
  const log: string[] = [];
  let port = 0;
  const running: https.Server[] = [];
  beforeAll(async () => {
    port = await freePort();
    const first = node('list-master');
    await createCluster(first.ctx, {
      clusterName: 'listed',
      token: TOKEN,
      nodeName: 'm1',
      address: '127.0.0.61',
      port,
    });
    running.push(
      await startServer({ ...first.ctx, log: () => undefined }, { port, host: '127.0.0.61' }),
    );
  });
  afterAll(async () => {
    await Promise.all(running.map((s) => new Promise((r) => s.close(r))));
    rmSync(tmp, { recursive: true, force: true });
  });
  const config = (members?: string[]): NodeConfig => ({
    version: 1,
    fqdn: 'joiner.example.test',
    mailto: 'root@example.test',
    managementInterface: 'vmbr0',
    firstBoot: {
      source: 'none',
      ordering: 'fully-up',
      hookPath: '/var/lib/openve/first-boot/hook',
    },
    // 127.0.0.62 answers nothing (the master is down); 127.0.0.61 is a quorate member
    cluster: { mode: 'join', master: '127.0.0.62', ...(members ? { members } : {}), token: TOKEN },
  });

  test('without members the join fails on the master that is down', async () => {
    const alone = node('list-alone');
    await expectUserError(
      clusterInit(alone.ctx, config(), (l) => log.push(l), 0, port),
      /127\.0\.0\.62/,
    );
  });
  test('with members the next one accepts; the log names the master that did not answer', async () => {
    const joiner = node('list-joiner');
    const lines: string[] = [];
    const ctx = { ...joiner.ctx, out: (l: string) => lines.push(l) };
    const quorate = await clusterInit(ctx, config(['127.0.0.61']), (l) => lines.push(l), 0, port);
    expect(quorate).toBe(true);
    const text = lines.join('\n');
    expect(text).toMatch(
      /joining the cluster of master 127\.0\.0\.62 \(or members 127\.0\.0\.61\)/,
    );
    expect(text).toMatch(/127\.0\.0\.62: /);
    expect(text).toMatch(/joiner joined 'listed' as nodeid 2/);
    expect(text).not.toContain(TOKEN);
    expect(readClusterConfig(joiner.paths)?.clusterName).toBe('listed');
  });
});

// A node of the release before versioned requests (protocol 1: same /v1 paths, bodies without
// `version`, hello with `master` instead of `node`) and this release (2): each side names both.
describe('protocol versions 1 and 2 meet', { timeout: 30_000 }, () => {
  let old: TestServer | undefined;
  const posts: string[] = [];
  let oldPort = 0;
  let oldFingerprint = '';
  beforeAll(async () => {
    mkdirSync(tmp, { recursive: true });
    const cert = await selfSignedCert(tmp, '/CN=old-member', { name: 'old' });
    oldFingerprint = cert.fingerprint;
    old = await serve(
      withBody((req, res, body) => {
        const url = new URL(req.url ?? '/', 'https://x');
        res.setHeader('content-type', 'application/json');
        if (url.pathname === '/v1/hello') {
          const nonce = url.searchParams.get('nonce') ?? '';
          res.end(
            JSON.stringify({
              cluster: 'old',
              master: { name: 'old1', address: '127.0.0.1' },
              proof: helloProof(TOKEN, 'old', nonce, oldFingerprint),
            }),
          );
        } else {
          posts.push(`${req.method} ${url.pathname} ${body.length}`);
          res.end(JSON.stringify({ config: {}, authkey: '', nodeid: 2 }));
        }
      }),
      cert,
    );
    oldPort = Number(new URL(old.base).port);
  });
  afterAll(async () => {
    await old?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  for (const pinned of [false, true]) {
    test(`a v2 joiner meets a v1 member${pinned ? ' (fingerprint pinned)' : ''}: refused naming both versions, nothing sent`, async () => {
      const joiner = node(`v2-joiner-${pinned ? 'pinned' : 'proof'}`);
      await expectUserError(
        joinCluster(joiner.ctx, {
          master: '127.0.0.1',
          port: oldPort,
          token: TOKEN,
          nodeName: 'newnode',
          address: '127.0.0.9',
          ...(pinned ? { fingerprint: oldFingerprint } : {}),
        }),
        /member 127\.0\.0\.1 speaks cluster protocol version 1 .*, this node speaks version 2: .*same openve release/,
      );
      // the join (with the token) never left this node, and nothing was written
      expect(posts).toEqual([]);
      expect(readState(joiner.paths)).toBeUndefined();
    });
  }

  test('a v1 joiner (no version in its request) meets a v2 member: 400 naming both versions', async () => {
    const member = node('v2-member');
    const port = await freePort();
    await createCluster(member.ctx, {
      clusterName: 'newer',
      token: TOKEN,
      nodeName: 'n1',
      address: '127.0.0.1',
      port,
    });
    const server = await startServer(
      { ...member.ctx, log: () => undefined },
      { port, host: '127.0.0.1' },
    );
    try {
      const { fetchPinned } = await import('../../../lib/net/pinned.ts');
      const res = await fetchPinned(`https://127.0.0.1:${port}/v1/join`, {
        method: 'POST',
        // what a protocol-1 joiner sends
        body: JSON.stringify({
          token: TOKEN,
          name: 'oldnode',
          address: '127.0.0.8',
          fingerprint: oldFingerprint,
        }),
        fingerprint: readState(member.paths)!.fingerprint,
        acceptAnyStatus: true,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      const reply = JSON.parse(res.text()) as { error: string; message: string };
      expect(reply.error).toBe('bad-request');
      expect(reply.message).toMatch(
        /^the join request speaks cluster protocol version 1 \(a release from before versioned requests\), this member speaks version 2: /,
      );
      expect(reply.message).not.toContain(TOKEN);
      expect(readClusterConfig(member.paths)?.nodes.map((n) => n.name)).toEqual(['n1']);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
