// locate against real things: a file system labelled OPENVE-AIS on a loop device (found by
// label without udev, mounted read-only, unmounted), and an HTTPS answer server on 127.0.0.1
// with a self-signed certificate pinned from the kernel command line. The live medium, leases
// and resolv.conf are moved into a temp dir so the host's are never read.
import { MINIMAL_DHCP_ANSWER } from './helpers/answers.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realRunner } from '../../lib/exec/runner.ts';
import { run as locateCli } from '../../installer/locate/cli.ts';
import { realLocateEnv } from '../../installer/locate/env.ts';
import { locateAnswer } from '../../installer/locate/locate.ts';
import type { LocatePaths } from '../../installer/locate/paths.ts';
import { capture } from '../helpers/capture.ts';
import { selfSignedCert, serve, withBody, type TestServer } from '../helpers/tls.ts';

const runner = realRunner();
const ready =
  process.getuid?.() === 0 && existsSync('/usr/sbin/losetup') && existsSync('/sbin/mkfs.ext4');

const ANSWER = MINIMAL_DHCP_ANSWER;

let dir: string;
let paths: Partial<LocatePaths>;

function setCmdline(text: string) {
  writeFileSync(paths.cmdline!, text);
}

describe.skipIf(!ready)('locate (root: loop device, local https)', () => {
  let loop = '';
  let server: TestServer | undefined;
  let base = '';
  let fingerprint = '';
  const posted: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'openve-locate-'));
    mkdirSync(join(dir, 'medium/openve'), { recursive: true });
    paths = {
      cmdline: join(dir, 'cmdline'),
      isoAnswer: join(dir, 'medium/openve/answer.toml'),
      isoAnswerUrl: join(dir, 'medium/openve/answer-url.txt'),
      isoFirstBoot: join(dir, 'medium/openve/first-boot'),
      dhclientLeases: [join(dir, 'dhclient.leases')],
      networkdLeaseDir: join(dir, 'leases'),
      resolvConf: join(dir, 'resolv.conf'),
    };
    writeFileSync(paths.resolvConf!, 'nameserver 127.0.0.1\n'); // no search domain: no DNS query leaves

    // the answer stick: ext4 (the host kernel has no vfat), label OPENVE-AIS
    const img = join(dir, 'stick.img');
    await runner.run(['truncate', '-s', '16M', img]);
    await runner.run(['mkfs.ext4', '-q', '-L', 'OPENVE-AIS', img]);
    const fill = join(dir, 'fill');
    mkdirSync(fill);
    writeFileSync(join(fill, 'answer.toml'), ANSWER);
    writeFileSync(join(fill, 'first-boot'), '#!/bin/sh\necho hello\n', { mode: 0o755 });
    // debugfs writes the files without mounting read-write
    await runner.run([
      'debugfs',
      '-w',
      '-R',
      `write ${join(fill, 'answer.toml')} answer.toml`,
      img,
    ]);
    await runner.run(['debugfs', '-w', '-R', `write ${join(fill, 'first-boot')} first-boot`, img]);
    loop = (await runner.run(['losetup', '-f', '--show', '--read-only', img])).stdout.trim();

    // the answer server
    const cert = await selfSignedCert(dir, '/CN=answers');
    fingerprint = cert.fingerprint;
    server = await serve(
      withBody((_req, res, body) => {
        posted.push(body.toString());
        res.writeHead(200, { 'content-type': 'application/toml' }).end(ANSWER);
      }),
      cert,
    );
    base = server.base;
  });

  afterAll(async () => {
    if (loop) await runner.run(['losetup', '-d', loop], { reject: false });
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds answer.toml and the hook on the OPENVE-AIS file system, and unmounts it', async () => {
    setCmdline('boot=live quiet');
    const r = await locateAnswer(realLocateEnv({ paths }));
    expect(r.answer).toMatchObject({
      source: 'partition',
      where: `${loop}:/answer.toml`,
      text: ANSWER,
      withInstallMedia: false,
    });
    expect(r.answer!.firstBoot!.content.toString()).toBe('#!/bin/sh\necho hello\n');
    const mounts = readFileSync('/proc/mounts', 'utf8');
    expect(mounts).not.toContain(loop);
    expect(mounts).not.toContain('openve-ais-');
  });

  it('the kernel parameter URL wins, with the pinned self-signed certificate and the system summary POSTed', async () => {
    setCmdline(
      `boot=live openve.answer=${base}/answer openve.answer-fingerprint=${fingerprint.replace(/:/g, '').toLowerCase()}`,
    );
    const r = await locateAnswer(
      realLocateEnv({
        paths,
        systemInfo: async () => ({
          network_interfaces: [{ link: 'eth0', mac: '52:54:00:00:00:01' }],
        }),
      }),
    );
    expect(r.answer).toMatchObject({ source: 'kernel-cmdline', text: ANSWER, fingerprint });
    expect(JSON.parse(posted.at(-1)!)).toEqual({
      network_interfaces: [{ link: 'eth0', mac: '52:54:00:00:00:01' }],
    });
  });

  it('a wrong pin fails the kernel parameter source and does not fall back to the stick', async () => {
    setCmdline(`openve.answer=${base}/answer openve.answer-fingerprint=${'00'.repeat(32)}`);
    const r = await locateAnswer(realLocateEnv({ paths }));
    expect(r.answer).toBeUndefined();
    expect(r.attempts[0]!.reason).toContain(
      `certificate fingerprint mismatch for ${base}/answer: expected ${Array(32).fill('00').join(':')}, got ${fingerprint}`,
    );
    expect(r.attempts[2]!.status).toBe('skipped');
  });

  it('`locate --json --save DIR` writes answer (0600) and hook (0755) and says where from; no answer text in the output', async () => {
    setCmdline('boot=live openve.confirm-wipe=1');
    const save = join(dir, 'saved');
    const r = await capture(() =>
      locateCli(['--json', '--save', save, '--network-wait', '0'], paths),
    );
    const json = JSON.parse(r.out) as Record<string, unknown>;
    expect(json).toMatchObject({
      found: true,
      valid: true,
      source: 'partition',
      confirmWipe: true,
      unattended: true,
      saved: { answer: join(save, 'answer.toml'), firstBoot: join(save, 'first-boot') },
    });
    expect(r.code).toBe(0);
    expect(statSync(join(save, 'answer.toml')).mode & 0o777).toBe(0o600);
    expect(statSync(join(save, 'first-boot')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(save, 'answer.toml'), 'utf8')).toBe(ANSWER);
    expect(r.out + r.err).not.toContain('passw0rd-fixture');
  });

  it('the file on the ISO comes before the stick; nothing anywhere gives the full report and exit 1', async () => {
    setCmdline('boot=live');
    writeFileSync(paths.isoAnswer!, ANSWER);
    let r = await capture(() => locateCli(['--network-wait', '0'], paths));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^Answer file found: file on the ISO /);
    rmSync(paths.isoAnswer!);

    await runner.run(['losetup', '-d', loop]);
    loop = '';
    r = await capture(() => locateCli(['--network-wait', '0'], paths));
    expect(r.code).toBe(1);
    expect(r.err).toContain('No answer file found. Searched, in order:');
    expect(r.err).toContain('no file system labelled OPENVE-AIS or PROXMOX-AIS');
    expect(r.err).toContain('no search domain in');
  });
});
