// The first-boot runner against a temporary root: hooks from the ISO and from a pinned HTTPS URL,
// exactly-once markers, the log file, and the post-installation webhook (pinned).
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fakeControl } from './fakeControl.ts';
import { realRunner } from '../../../lib/exec/runner.ts';
import { selfSignedCert, serve, withBody, type TestServer } from '../../helpers/tls.ts';
import {
  main,
  runClusterInit,
  runOrdering,
  webhookOrdering,
} from '../../../provision/firstboot.ts';
import { nodePaths } from '../../../provision/paths.ts';
import type { NodeConfig } from '../../../contracts/node/types.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'openve-firstboot-'));
let server: TestServer | undefined;
let base = '';
let fingerprint = '';
const received: { url: string; body: string }[] = [];
const quiet = { runner: realRunner(), stdout: () => undefined, attempts: 1 };

beforeAll(async () => {
  const cert = await selfSignedCert(tmp, '/CN=hooks');
  fingerprint = cert.fingerprint;
  server = await serve(
    withBody((req, res, body) => {
      received.push({ url: req.url ?? '', body: body.toString() });
      if (req.url === '/hook.sh') {
        res.end('#!/bin/sh\necho "from url $(pwd)"\ntouch ran-from-url\n');
      } else res.end('{}');
    }),
    cert,
  );
  base = server.base;
});
afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

function nodeRoot(name: string, config: Partial<NodeConfig>, hook?: string) {
  const paths = nodePaths(path.join(tmp, name));
  mkdirSync(path.dirname(paths.nodeJson), { recursive: true });
  const node: NodeConfig = {
    version: 1,
    fqdn: `${name}.example.test`,
    mailto: 'root@example.test',
    managementInterface: 'vmbr0',
    firstBoot: {
      source: 'none',
      ordering: 'fully-up',
      hookPath: '/var/lib/openve/first-boot/hook',
    },
    ...config,
  };
  writeFileSync(paths.nodeJson, JSON.stringify(node));
  if (hook !== undefined) {
    mkdirSync(paths.firstBootDir, { recursive: true });
    writeFileSync(paths.firstBootHook, hook);
    chmodSync(paths.firstBootHook, 0o755);
  }
  mkdirSync(path.join(paths.root, 'etc/ssh'), { recursive: true });
  writeFileSync(path.join(paths.root, 'etc/machine-id'), '0123456789abcdef0123456789abcdef\n');
  writeFileSync(
    path.join(paths.root, 'etc/ssh/ssh_host_ed25519_key.pub'),
    'ssh-ed25519 AAAAC3Nz test\n',
  );
  return paths;
}

describe('first-boot hook', () => {
  test('from-iso: runs at its ordering only, once; output and exit status in the log', async () => {
    const paths = nodeRoot(
      'iso',
      {
        firstBoot: {
          source: 'from-iso',
          ordering: 'network-online',
          hookPath: '/var/lib/openve/first-boot/hook',
        },
      },
      '#!/bin/sh\necho hello from the hook\necho oops >&2\necho x >> count\nexit 3\n',
    );
    expect(await runOrdering(paths, 'before-network', quiet)).toBe(0);
    expect(existsSync(path.join(paths.root, 'count'))).toBe(false);
    expect(await runOrdering(paths, 'network-online', quiet)).toBe(1); // the hook failed: the unit shows it
    expect(readFileSync(path.join(paths.root, 'count'), 'utf8')).toBe('x\n');
    const log = readFileSync(path.join(paths.installLogDir, 'first-boot.log'), 'utf8');
    expect(log).toMatch(/hook\| hello from the hook/);
    expect(log).toMatch(/hook\| oops/);
    expect(log).toMatch(/hook exited with status 3/);
    expect(JSON.parse(readFileSync(paths.firstBootDone, 'utf8'))).toMatchObject({
      ran: true,
      exitCode: 3,
      ordering: 'network-online',
    });
    // never twice: not by the same unit, and not if the marker of the unit were lost
    expect(await runOrdering(paths, 'network-online', quiet)).toBe(0);
    rmSync(path.join(paths.firstBootDir, 'ran-network-online'));
    expect(await runOrdering(paths, 'network-online', quiet)).toBe(0);
    expect(readFileSync(path.join(paths.root, 'count'), 'utf8')).toBe('x\n');
  });

  test('from-url: downloaded with the certificate pinned, then run', async () => {
    const paths = nodeRoot('url', {
      firstBoot: {
        source: 'from-url',
        url: `${base}/hook.sh`,
        certFingerprint: fingerprint,
        ordering: 'fully-up',
        hookPath: '/var/lib/openve/first-boot/hook',
      },
    });
    expect(await runOrdering(paths, 'fully-up', quiet)).toBe(0);
    expect(existsSync(path.join(paths.root, 'ran-from-url'))).toBe(true);
    expect(readFileSync(path.join(paths.installLogDir, 'first-boot.log'), 'utf8')).toMatch(
      /hook\| from url /,
    );
  });

  test('from-url with a wrong fingerprint: nothing downloaded or run, the failure recorded', async () => {
    const paths = nodeRoot('badpin', {
      firstBoot: {
        source: 'from-url',
        url: `${base}/hook.sh`,
        certFingerprint: 'AA'.repeat(32),
        ordering: 'fully-up',
        hookPath: '/var/lib/openve/first-boot/hook',
      },
    });
    const before = received.length;
    expect(await runOrdering(paths, 'fully-up', quiet)).toBe(1);
    expect(received.length).toBe(before);
    expect(existsSync(paths.firstBootHook)).toBe(false);
    expect(readFileSync(path.join(paths.installLogDir, 'first-boot.log'), 'utf8')).toMatch(
      /hook not run: .*fingerprint mismatch/,
    );
  });
});

describe('post-installation webhook', () => {
  test('posted once at network-online with node facts (no secrets), certificate pinned', async () => {
    const paths = nodeRoot(
      'hooked',
      {
        firstBoot: {
          source: 'from-iso',
          ordering: 'before-network',
          hookPath: '/var/lib/openve/first-boot/hook',
        },
        webhook: {
          url: `${base}/webhook`,
          certFingerprint: fingerprint,
          authToken: 'receiver-token',
        },
        cluster: { mode: 'create', name: 'lab', token: 'passw0rd-fixture' },
      },
      '#!/bin/sh\nexit 0\n',
    );
    const before = received.length;
    const queued: string[] = [];
    expect(
      await runOrdering(paths, 'before-network', {
        ...quiet,
        queueUnit: async (u) => void queued.push(u),
      }),
    ).toBe(0);
    expect(received.length).toBe(before); // no network yet
    expect(queued).toEqual(['openve-first-boot-network-online.service']); // the installer enabled only the hook's unit
    expect(await runOrdering(paths, 'network-online', quiet)).toBe(0);
    expect(await runOrdering(paths, 'fully-up', quiet)).toBe(0);
    const posts = received.slice(before).filter((r) => r.url === '/webhook');
    expect(posts).toHaveLength(1);
    const body = JSON.parse(posts[0]!.body);
    expect(body).toMatchObject({
      schema: { version: '1.0' },
      fqdn: 'hooked.example.test',
      machine_id: '0123456789abcdef0123456789abcdef',
      management_interface: 'vmbr0',
      ssh_public_host_keys: { ed25519: 'ssh-ed25519 AAAAC3Nz test' },
      first_boot: { source: 'from-iso', ordering: 'before-network', exit_code: 0 },
      cluster: { mode: 'create', name: 'lab' },
      token: 'receiver-token',
    });
    expect(posts[0]!.body).not.toContain('passw0rd-fixture');
    expect(readFileSync(path.join(paths.installLogDir, 'first-boot.log'), 'utf8')).not.toContain(
      'passw0rd-fixture',
    );
  });

  test('a fully-up hook delays the webhook so it carries the result', () => {
    const n = (
      o: NodeConfig['firstBoot']['ordering'],
      source: NodeConfig['firstBoot']['source'] = 'from-iso',
    ) => ({ firstBoot: { source, ordering: o } }) as NodeConfig;
    expect(webhookOrdering(n('before-network'))).toBe('network-online');
    expect(webhookOrdering(n('network-online'))).toBe('network-online');
    expect(webhookOrdering(n('fully-up'))).toBe('fully-up');
    expect(webhookOrdering(n('fully-up', 'none'))).toBe('network-online');
  });

  test('a webhook with a wrong fingerprint is not sent, and logged as failed', async () => {
    const paths = nodeRoot('badhook', {
      webhook: { url: `${base}/webhook`, certFingerprint: 'BB'.repeat(32) },
    });
    const before = received.length;
    expect(await runOrdering(paths, 'network-online', quiet)).toBe(1);
    expect(received.length).toBe(before);
    expect(readFileSync(path.join(paths.installLogDir, 'first-boot.log'), 'utf8')).toMatch(
      /webhook: FAILED .*fingerprint mismatch/,
    );
  });
});

describe('cluster init at first boot', () => {
  test('no [cluster]: nothing to do', async () => {
    const paths = nodeRoot('nocluster', {});
    expect(await runClusterInit(paths, quiet)).toBe(0);
  });
  test('a join whose master never answers fails clearly and is retried next boot (no marker)', async () => {
    const paths = nodeRoot('joinfail', {
      cluster: { mode: 'join', master: '127.0.0.3', token: 'passw0rd-fixture' },
    });
    const control = fakeControl();
    // port 8007 on 127.0.0.3 is closed here; retry budget 0 -> one attempt
    const code = await runClusterInit(paths, { ...quiet, control, joinRetryMs: 0 });
    expect(code).toBe(1);
    const log = readFileSync(path.join(paths.installLogDir, 'cluster-init.log'), 'utf8');
    expect(log).toMatch(/cluster: FAILED: -h: master 127\.0\.0\.3:8007 unreachable/);
    expect(log).not.toContain('passw0rd-fixture');
    expect(existsSync(path.join(paths.firstBootDir, 'ran-cluster-init'))).toBe(false);
  });
});

describe('firstboot.js --help', () => {
  test.each([[['--help']], [['-h']], [['--ordering', '--help']], [['--cluster-init', '--help']]])(
    '%j prints the usage, exit 0, runs nothing',
    async (argv) => {
      const out: string[] = [];
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as never;
      try {
        expect(await main(argv)).toBe(0);
      } finally {
        process.stdout.write = write;
      }
      expect(out.join('')).toMatch(/^usage: firstboot\.js --ordering before-network\|/);
    },
  );
});
