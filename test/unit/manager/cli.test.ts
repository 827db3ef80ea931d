// The openve CLI against a manager (recording runner): tables, --json, `field: message` errors,
// delete confirmation, tokens.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CtConfig } from '../../../contracts/manager/guest.ts';
import { main } from '../../../manager/cli/main.ts';
import { testManager, type TestManager } from './helpers.ts';
import { runCli } from '../../helpers/manager.ts';

let t: TestManager;
beforeAll(async () => {
  t = await testManager();
}, 60_000);
afterAll(async () => t?.close());

const cli = (...args: string[]) => runCli(t.m, ...args);

describe('openve CLI', () => {
  it('creates a VM, waits for its task, lists it as a table and as JSON', async () => {
    const c = await cli(
      'vm',
      'create',
      '--name',
      'web',
      '--memory',
      '256',
      '--disk',
      '2@local',
      '--net',
      'none',
      '--id',
      '150',
    );
    expect(c.err).toBe('');
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/^150: OK \(UPID:/);
    const list = await cli('vm', 'list');
    expect(list.out.split('\n')[0]).toMatch(/^ID\s+NAME\s+STATE\s+VCPUS\s+MEMORY\s+ACCEL$/);
    expect(list.out).toMatch(/150\s+web\s+/);
    const json = JSON.parse((await cli('--json', 'vm', 'list')).out) as {
      id: number;
      name: string;
    }[];
    expect(json.find((v) => v.id === 150)?.name).toBe('web');
  });

  it("prints the server's field errors as `field: message`, every one, exit 1", async () => {
    const c = await cli('vm', 'create', '--name', 'Bad_Name', '--memory', 'lots');
    expect(c.code).toBe(1);
    expect(c.err).toBe(
      'name: must be a host name: a-z, 0-9 and -, at most 63 characters, not starting or ending with -\nmemory: must be a number of MiB\n',
    );
  });

  it('refuses to delete without --yes', async () => {
    const c = await cli('vm', 'delete', '150');
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/^confirm: /);
  });

  it('creates, lists and revokes tokens', async () => {
    const created = JSON.parse(
      (await cli('--json', 'token', 'create', '--comment', 'cli')).out,
    ) as { id: string; token: string };
    expect(created.token).toMatch(/^openve_/);
    const list = await cli('token', 'list');
    expect(list.out).toContain(created.id);
    expect(list.out).not.toContain(created.token);
    expect((await cli('token', 'revoke', created.id)).code).toBe(0);
    const c = await main(
      ['--host', t.m.url, '--token', created.token, '--ca', t.m.certFile, 'vm', 'list'],
      { out: () => {}, err: () => {} },
    );
    expect(c).toBe(1);
  });

  it('says what is missing without a token or with an unknown command', async () => {
    let err = '';
    expect(
      await main(['--host', t.m.url, 'vm', 'list'], { out: () => {}, err: (s) => (err += s) }),
    ).toBe(2);
    expect(err).toMatch(/^token: /);
    const c = await cli('vm', 'explode');
    expect(c.code).toBe(2);
    expect(c.err).toContain('unknown command');
  });

  it('ct create --features nesting=0|1: sent as a boolean, kept in the config, in the LXC config; default on when unprivileged', async () => {
    // the LXC config lxc-create is given (-f FILE), read when the recorded command runs
    const confs = new Map<string, string>();
    t.runner.on({
      match: ['lxc-create'],
      respond: async (argv) => {
        const at = (flag: string) => argv[argv.indexOf(flag) + 1] ?? '';
        confs.set(at('-n'), readFileSync(at('-f'), 'utf8'));
        // what lxc-create makes: the container's directory, where the manager appends to its config
        mkdirSync(path.join(at('-P'), at('-n')), { recursive: true });
        return { exitCode: 0, stdout: '', stderr: '' };
      },
    });
    const create = (id: string, ...more: string[]) =>
      cli(
        'ct',
        'create',
        '--hostname',
        `c${id}`,
        '--template',
        'busybox',
        '--net',
        'none',
        '--id',
        id,
        ...more,
      );
    const first = await create('160', '--features', 'nesting=0');
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect((await create('161')).code).toBe(0);
    expect((await create('162', '--privileged')).code).toBe(0);
    expect((await create('163', '--privileged', '--features', 'nesting=1')).code).toBe(0);
    const nesting = async (id: number) =>
      (JSON.parse((await cli('--json', 'ct', 'config', String(id))).out) as { config: CtConfig })
        .config.features;
    expect(await nesting(160)).toEqual({ nesting: false });
    expect(await nesting(161)).toEqual({ nesting: true });
    expect(await nesting(162)).toEqual({ nesting: false });
    expect(await nesting(163)).toEqual({ nesting: true });
    const generated = /^lxc\.apparmor\.profile = generated\nlxc\.apparmor\.allow_nesting = 1$/m;
    expect(confs.get('ct-160')).not.toMatch(/apparmor/);
    expect(confs.get('ct-161')).toMatch(generated);
    expect(confs.get('ct-162')).not.toMatch(/apparmor/);
    expect(confs.get('ct-163')).toMatch(generated);
  });

  it("ct create --features: a bad value is the API's field error, a bad form a usage error", async () => {
    const base = ['ct', 'create', '--hostname', 'bad', '--template', 'busybox', '--net', 'none'];
    const c = await cli(...base, '--features', 'nesting=maybe,keyctl=1');
    expect(c.code).toBe(1);
    expect(c.err).toBe('features.nesting: must be true or false\nfeatures.keyctl: unknown field\n');
    const u = await cli(...base, '--features', 'nesting');
    expect(u.code).toBe(2);
    expect(u.err).toMatch(/^features: 'nesting' must be KEY=VALUE/);
  });

  it('vm console: a refusal from the node comes back as field: message, exit 1', async () => {
    const c = await cli('vm', 'console', '4242');
    expect(c.code).toBe(1);
    expect(c.err).toContain('id: no VM 4242 on this node');
  });

  it('vm console: a wrong token is refused as such', async () => {
    let err = '';
    const code = await main(
      [
        '--host',
        t.m.url,
        '--token',
        'openve_000000000000_x',
        '--ca',
        t.m.certFile,
        'vm',
        'console',
        '100',
      ],
      { out: () => {}, err: (s) => (err += s) },
    );
    expect(code).toBe(1);
    expect(err).toContain('authorization: invalid or revoked API token');
  });
});
