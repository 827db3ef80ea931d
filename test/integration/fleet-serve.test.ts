// `openve-install serve` for real, inside network namespaces: the server (and the dnsmasq it
// starts, full DHCP) in one namespace, a client in another joined by a veth pair. The client asks
// for a lease with busybox udhcpc (as firmware PXE, then as iPXE), fetches iPXE by TFTP and the
// boot files by HTTP, and reports progress with the real `openve-install report` over HTTPS with
// the server's certificate pinned. Answers are matched by MAC; an invalid one is refused, and
// fixing it while the server runs makes it served. Nothing leaves the namespaces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realRunner } from '../../lib/exec/runner.ts';
import { certFingerprint } from '../../lib/net/pinned.ts';
import { parseJson } from '../../contracts/json.ts';
import { fleetStateSchema } from '../../contracts/fleet.ts';
import * as z from 'zod';
import { parseAnswers } from '../../installer/index.ts';
import { TEMPLATE } from '../unit/fleet/template.ts';
import { initrdPadding, netbootCpio } from '../../provision/fleet/netboot.ts';

const LAYERS = ['filesystem.squashfs', 'openve.squashfs'];
import {
  CLI as OPENVE_INSTALL,
  REPO,
  makeBootIso,
  macFile,
  startServe,
  waitFor as waitUntil,
  writeAnswerDir,
  type Serve,
} from '../helpers/fleet.ts';

const runner = realRunner();

const ready =
  process.getuid?.() === 0 &&
  existsSync('/usr/sbin/dnsmasq') &&
  existsSync('/usr/lib/ipxe/undionly.kpxe') &&
  existsSync('/bin/busybox');

const id = String(process.pid % 100000);
const SRV = `fl-${id}s`;
const CLI = `fl-${id}c`;
const SRV_IF = `fl${id}s0`;
const CLI_IF = `fl${id}c0`;
const MAC = '52:54:00:fe:00:01';
const OTHER_MAC = '52:54:00:fe:00:02';
const BAD_MAC = '52:54:00:fe:00:03';

let dir: string;
let iso: string;
let serve: Serve | undefined;
const serverOut = () => serve?.output() ?? '';

const inNs = (ns: string, argv: string[], input?: string) =>
  runner.run(['ip', 'netns', 'exec', ns, ...argv], {
    reject: false,
    timeoutMs: 60_000,
    ...(input !== undefined ? { input } : {}),
  });

const waitFor = <T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
) => waitUntil(what, probe, timeoutMs, () => `server said:\n${serverOut()}`);

const curl = (args: string[]) => inNs(CLI, ['curl', '-sS', '--max-time', '20', ...args]);
const state = () =>
  parseJson(fleetStateSchema, readFileSync(join(dir, 'state', 'state.json'), 'utf8'), 'state.json');
const machine = (mac: string) => state().machines.find((m) => m.mac === mac);

describe.skipIf(!ready)('openve-install serve in network namespaces', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fl-serve-'));
    // a small ISO with the layout of openve's (the boot files are read from its extents)
    iso = await makeBootIso(runner, dir, { kernel: 300_000, initrd: 5_001 });
    writeAnswerDir(dir, {
      [macFile(MAC)]: TEMPLATE,
      [macFile(BAD_MAC)]: TEMPLATE.replace('"ext4"', '"ntfs"'),
      'fleet.toml':
        '[pool]\naddresses = "10.88.7.20-10.88.7.29"\ngateway = "10.88.7.1"\ndns = "10.88.7.1"\ndomain = "lab.lan"\n',
    });
    const sh = async (argv: string[]) => runner.run(argv);
    await sh(['ip', 'netns', 'add', SRV]);
    await sh(['ip', 'netns', 'add', CLI]);
    await sh([
      'ip',
      'link',
      'add',
      SRV_IF,
      'netns',
      SRV,
      'type',
      'veth',
      'peer',
      CLI_IF,
      'netns',
      CLI,
    ]);
    await sh(['ip', '-n', SRV, 'addr', 'add', '10.88.7.1/24', 'dev', SRV_IF]);
    await sh(['ip', '-n', SRV, 'link', 'set', SRV_IF, 'up']);
    await sh(['ip', '-n', SRV, 'link', 'set', 'lo', 'up']);
    await sh(['ip', '-n', CLI, 'link', 'set', CLI_IF, 'address', MAC]);
    await sh(['ip', '-n', CLI, 'link', 'set', CLI_IF, 'up']);
    await sh(['ip', '-n', CLI, 'link', 'set', 'lo', 'up']);
    serve = await startServe(
      SRV,
      [
        '--iso',
        iso,
        '--answers',
        join(dir, 'answers'),
        '--interface',
        SRV_IF,
        '--dhcp-range',
        '10.88.7.100,10.88.7.150',
      ],
      join(dir, 'state'),
    );
  });

  afterAll(async () => {
    await serve?.stop();
    await runner.run(['ip', 'netns', 'del', SRV], { reject: false });
    await runner.run(['ip', 'netns', 'del', CLI], { reject: false });
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the invalid answer file at start as file: path: message', () => {
    expect(serverOut()).toContain(`mac-${BAD_MAC.replace(/:/g, '')}.toml: disk-setup.filesystem:`);
    expect(serverOut()).toMatch(
      /1 valid answer files of 2, dnsmasq DHCP 10\.88\.7\.100-10\.88\.7\.150/,
    );
  });

  it('DHCP: firmware PXE gets undionly.kpxe by TFTP, iPXE gets the boot script URL', async () => {
    const script = join(dir, 'udhcpc.sh');
    writeFileSync(
      script,
      '#!/bin/sh\n[ "$1" = bound ] && echo "LEASE ip=$ip siaddr=$siaddr boot_file=$boot_file"\nexit 0\n',
      { mode: 0o755 },
    );
    const pxe = await inNs(CLI, [
      'busybox',
      'udhcpc',
      '-i',
      CLI_IF,
      '-n',
      '-q',
      '-f',
      '-t',
      '5',
      '-s',
      script,
    ]);
    expect(pxe.stdout).toMatch(
      /LEASE ip=10\.88\.7\.1\d\d siaddr=10\.88\.7\.1 boot_file=undionly\.kpxe/,
    );
    // iPXE says so with user class "iPXE" (option 77)
    const ipxe = await inNs(CLI, [
      'busybox',
      'udhcpc',
      '-i',
      CLI_IF,
      '-n',
      '-q',
      '-f',
      '-t',
      '5',
      '-s',
      script,
      '-x',
      '0x4d:69505845',
    ]);
    expect(ipxe.stdout).toContain('boot_file=http://10.88.7.1/boot.ipxe');
    const ip = /LEASE ip=(\S+)/.exec(ipxe.stdout)![1]!;
    await inNs(CLI, ['ip', 'addr', 'add', `${ip}/24`, 'dev', CLI_IF]);
    const got = join(dir, 'undionly.kpxe');
    const tftp = await inNs(CLI, [
      'busybox',
      'tftp',
      '-g',
      '-r',
      'undionly.kpxe',
      '-l',
      got,
      '10.88.7.1',
    ]);
    expect(tftp.exitCode, tftp.stderr).toBe(0);
    expect(readFileSync(got).equals(readFileSync('/usr/lib/ipxe/undionly.kpxe'))).toBe(true);
  });

  it('HTTP: the chain script, the machine script with pin and token, kernel and initrd out of the ISO', async () => {
    const boot = await curl(['http://10.88.7.1/boot.ipxe']);
    expect(boot.stdout).toMatch(
      /^#!ipxe\nchain http:\/\/10\.88\.7\.1\/ipxe\/machine\?mac=\$\{netX\/mac\}/,
    );
    const m = await curl([
      `http://10.88.7.1/ipxe/machine?mac=${MAC}&uuid=&serial=SN-1&platform=pcbios`,
    ]);
    const fp = certFingerprint(readFileSync(join(dir, 'state', 'cert.pem'))).replace(/:/g, '');
    expect(m.stdout).toContain(`openve.answer-fingerprint=${fp}`);
    expect(m.stdout).toMatch(/openve\.answer=https:\/\/10\.88\.7\.1:8443\/answer\/[0-9a-f]{48} /);
    expect(machine(MAC) ?? (await waitFor('state', () => machine(MAC)))).toMatchObject({
      phase: 'booting',
    });
    const kernel = await runner.run([
      'ip',
      'netns',
      'exec',
      CLI,
      'sh',
      '-c',
      'curl -sS http://10.88.7.1/live/vmlinuz | md5sum',
    ]);
    const want = await runner.run(['md5sum', join(dir, 'iso/live/vmlinuz')]);
    expect(kernel.stdout.split(' ')[0]).toBe(want.stdout.split(' ')[0]);
    // the initrd: the ISO's, zero-padded to 4 bytes, then the live-boot component's cpio
    const md5 = async (url: string, range = '') =>
      (
        await runner.run([
          ...['ip', 'netns', 'exec', CLI, 'sh', '-c'],
          `curl -sS ${range ? `-r ${range} ` : ''}${url} | md5sum`,
        ])
      ).stdout.split(' ')[0];
    const hash = (b: Buffer) => createHash('md5').update(b).digest('hex');
    const initrd = readFileSync(join(dir, 'iso/live/initrd.img'));
    // the appended component carries every layer's sha256, computed from the ISO's bytes
    const layers = LAYERS.map((name) => ({
      name,
      sha256: createHash('sha256')
        .update(readFileSync(join(dir, 'iso/live', name)))
        .digest('hex'),
    }));
    const tail = Buffer.concat([initrdPadding(initrd.length), netbootCpio(layers)]);
    const served = Buffer.concat([initrd, tail]);
    expect(await md5('http://10.88.7.1/live/initrd.img')).toBe(hash(served));
    // a range across the ISO's bytes and the appended ones
    const [a, b] = [initrd.length - 2, initrd.length + 9];
    expect(await md5('http://10.88.7.1/live/initrd.img', `${a}-${b}`)).toBe(
      hash(served.subarray(a, b + 1)),
    );
    // every live layer and the payload, straight out of the ISO; the ISO itself is not served
    for (const f of [
      'live/filesystem.squashfs',
      'live/openve.squashfs',
      'openve/payload.tar.zst',
      'openve/payload.tar.zst.size',
    ])
      expect(await md5(`http://10.88.7.1/${f}`), f).toBe(hash(readFileSync(join(dir, 'iso', f))));
    const iso = await curl([
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      'http://10.88.7.1/openve.iso',
    ]);
    expect(iso.stdout).toBe('404');
    expect(m.stdout).toContain(' fetch=http://10.88.7.1/live/filesystem.squashfs ');
    expect(m.stdout).toContain(' openve.payload=http://10.88.7.1/openve/payload.tar.zst ');
  });

  it('answers by MAC, pinned progress from the real reporter, discovered and refused machines', async () => {
    const token = async (mac: string) =>
      /answer\/([0-9a-f]{48})/.exec(
        (await curl([`http://10.88.7.1/ipxe/machine?mac=${mac}`])).stdout,
      )![1]!;
    const t1 = await token(MAC);
    const summary = (mac: string) =>
      JSON.stringify({
        network_interfaces: [{ link: 'ens3', mac }],
        cpu: { model: 'QEMU', vendor: 'AuthenticAMD', cores: 2, threads: 2 },
      });
    const ans = await curl([
      '-k',
      '-X',
      'POST',
      '-H',
      'content-type: application/json',
      '-d',
      summary(MAC),
      `https://10.88.7.1:8443/answer/${t1}`,
    ]);
    expect(ans.stdout).toContain('fqdn = "node1.lab.lan"');
    expect(ans.stdout).toContain('cidr = "10.88.7.20/24"');
    expect(ans.stdout).toMatch(/root-password-hashed = "\$6\$/);
    expect(ans.stdout).not.toContain('passw0rd-fixture');

    const fp = certFingerprint(readFileSync(join(dir, 'state', 'cert.pem')));
    const events =
      '{"type":"progress","ratio":0.5,"step":"extract:payload","text":"Copying system"}\nnoise line\n{"type":"finished","ok":true,"seconds":42}\n';
    const cli = [
      process.execPath,
      OPENVE_INSTALL,
      'report',
      '--url',
      `https://10.88.7.1:8443/progress/${t1}`,
    ];
    // a wrong pin: nothing reaches the server
    const wrong = await inNs(CLI, [...cli, '--fingerprint', 'AA'.repeat(32)], events);
    expect(wrong.stderr).toContain('1 posts to the server failed');
    expect(machine(MAC)?.events ?? 0).toBe(0);
    const ok = await inNs(CLI, [...cli, '--fingerprint', fp], events);
    expect(ok.exitCode, ok.stderr).toBe(0);
    const done = await waitFor(
      'finished',
      () => (machine(MAC)?.phase === 'finished' ? machine(MAC) : undefined),
      5000,
    );
    expect(done).toMatchObject({
      events: 2,
      hostname: 'node1',
      ip: '10.88.7.20',
      answer: `mac-${MAC.replace(/:/g, '')}.toml`,
    });

    const t2 = await token(OTHER_MAC);
    const none = await curl([
      '-k',
      '-w',
      '%{http_code}',
      '-X',
      'POST',
      '-d',
      summary(OTHER_MAC),
      `https://10.88.7.1:8443/answer/${t2}`,
    ]);
    expect(none.stdout).toMatch(/404$/);
    await waitFor(
      'discovered',
      () => (machine(OTHER_MAC)?.phase === 'discovered' ? true : undefined),
      5000,
    );
    expect(machine(OTHER_MAC)?.facts.cpuModel).toBe('QEMU');

    const t3 = await token(BAD_MAC);
    const bad = await curl([
      '-k',
      '-w',
      '%{http_code}',
      '-X',
      'POST',
      '-d',
      summary(BAD_MAC),
      `https://10.88.7.1:8443/answer/${t3}`,
    ]);
    expect(bad.stdout).toMatch(/404$/);
    expect(bad.stdout).toContain('is invalid');

    // fixed while the server runs: validated again and served
    writeFileSync(join(dir, 'answers', macFile(BAD_MAC)), TEMPLATE);
    await waitFor(
      'reload',
      () => (serverOut().includes('answers reloaded: 2 valid of 2') ? true : undefined),
      10_000,
    );
    const fixed = await curl([
      '-k',
      '-X',
      'POST',
      '-d',
      summary(BAD_MAC),
      `https://10.88.7.1:8443/answer/${t3}`,
    ]);
    expect(fixed.stdout).toContain('cidr = "10.88.7.21/24"');

    const status = await runner.run([
      process.execPath,
      OPENVE_INSTALL,
      'serve',
      '--status',
      '--state-dir',
      join(dir, 'state'),
    ]);
    expect(status.stdout).toMatch(new RegExp(`${MAC}\\s+finished\\s+node1`));
    expect(status.stdout).toMatch(new RegExp(`${OTHER_MAC}\\s+discovered`));
    const page = await curl(['-k', 'https://10.88.7.1:8443/']);
    expect(page.stdout).toContain('<td>finished</td>');
    expect(page.stdout).not.toContain(t1);
  });

  it("the installed node's first boot reports in: the real first-boot runner posts to the server", async () => {
    // the answer served to the machine points its post-installation webhook at the server (pinned,
    // its token as auth-token); the installer writes that into /etc/openve/node.json, as here
    const tokens = parseJson(
      z.record(z.string(), z.string()),
      readFileSync(join(dir, 'state', 'tokens.json'), 'utf8'),
      'tokens.json',
    );
    const served = await curl(['-k', '-X', 'POST', `https://10.88.7.1:8443/answer/${tokens[MAC]}`]);
    const answers = parseAnswers(served.stdout);
    if (!answers.ok) throw new Error(JSON.stringify(answers.issues));
    const hook = answers.value.webhook!;
    expect(hook).toMatchObject({
      url: 'https://10.88.7.1:8443/booted',
      certFingerprint: certFingerprint(readFileSync(join(dir, 'state', 'cert.pem'))),
      authToken: tokens[MAC],
    });
    const node = join(dir, 'node-root');
    mkdirSync(join(node, 'etc/openve'), { recursive: true });
    writeFileSync(
      join(node, 'etc/openve/node.json'),
      JSON.stringify({
        version: 1,
        fqdn: 'node1.lab.lan',
        mailto: 'admin@openve.lan',
        managementInterface: CLI_IF,
        firstBoot: {
          source: 'none',
          ordering: 'fully-up',
          hookPath: '/var/lib/openve/first-boot/hook',
        },
        webhook: hook,
      }),
    );
    const t0 = Date.now();
    const run = await inNs(CLI, [
      process.execPath,
      join(REPO, 'dist/firstboot.js'),
      '--ordering',
      'network-online',
      '--root',
      node,
    ]);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('webhook: posted to https://10.88.7.1:8443/booted: HTTP 200');
    expect(run.stdout + run.stderr).not.toContain(tokens[MAC]!);
    const booted = await waitFor(
      'booted',
      () => (machine(MAC)?.phase === 'booted' ? machine(MAC) : undefined),
      5000,
    );
    expect(booted.booted?.fqdn).toBe('node1.lab.lan');
    expect(booted.times.booted).toBeGreaterThanOrEqual(booted.times.finished!);
    expect(booted.times.booted).toBeGreaterThanOrEqual(t0 - 1000);
    // a wrong token is refused and changes nothing
    const forged = await curl([
      '-k',
      '-w',
      '%{http_code}',
      '-X',
      'POST',
      '-d',
      JSON.stringify({ token: '0'.repeat(48), fqdn: 'x' }),
      'https://10.88.7.1:8443/booted',
    ]);
    expect(forged.stdout).toMatch(/403$/);
    // installed: iPXE is sent to the local disk, and the status shows the first boot
    const again = await curl([`http://10.88.7.1/ipxe/machine?mac=${MAC}`]);
    expect(again.stdout).toContain('exit');
    const status = await runner.run([
      process.execPath,
      OPENVE_INSTALL,
      'serve',
      '--status',
      '--state-dir',
      join(dir, 'state'),
    ]);
    expect(status.stdout).toMatch(
      new RegExp(`${MAC}\\s+booted\\s+node1.*first boot reported as node1\\.lab\\.lan`),
    );
  });

  it('stops dnsmasq when it stops', async () => {
    const pid = Number(readFileSync(join(dir, 'state', 'dnsmasq.pid'), 'utf8'));
    serve!.child.kill('SIGTERM');
    await new Promise((r) => serve!.child.once('exit', r));
    await waitFor('dnsmasq gone', () => (existsSync(`/proc/${pid}`) ? undefined : true), 5000);
  });
});
