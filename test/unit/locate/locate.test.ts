import { describe, expect, it } from 'vitest';
import { locateAnswer } from '../../../installer/locate/locate.ts';
import { formatReport, resultJson } from '../../../installer/locate/report.ts';
import {
  ISO_ANSWER_PATH,
  ISO_ANSWER_URL_PATH,
  ISO_FIRST_BOOT_PATH,
} from '../../../installer/locate/paths.ts';
import { fakeEnv } from './fake-env.ts';

const ANSWER = '[global]\nkeyboard = "en-us"\n';
const FP = Array(32).fill('AB').join(':');
const OTHER_FP = Array(32).fill('CD').join(':');
const statuses = (r: { attempts: { source: string; status: string }[] }) =>
  r.attempts.map((a) => `${a.source}=${a.status}`);

describe('locateAnswer: order and sources', () => {
  it('nothing anywhere: every source is reported as searched, with where and why', async () => {
    const f = fakeEnv({ files: { '/proc/cmdline': 'boot=live quiet' } });
    const r = await locateAnswer(f.env);
    expect(r.answer).toBeUndefined();
    expect(statuses(r)).toEqual([
      'kernel-cmdline=not-found',
      'iso=not-found',
      'partition=not-found',
      'http-iso-url=not-found',
      'http-dhcp=not-found',
      'http-dns=not-found',
    ]);
    const report = formatReport(r);
    expect(report).toContain('No answer file found. Searched, in order:');
    expect(report).toContain('no openve.answer= parameter');
    expect(report).toMatch(
      new RegExp(
        `2\\. file on the ISO +${ISO_ANSWER_PATH}\n +not found: no such file on the boot medium`,
      ),
    );
    expect(report).toContain('no file system labelled OPENVE-AIS or PROXMOX-AIS');
    expect(report).toContain('/var/lib/dhcp/dhclient.leases: absent');
    expect(report).toContain('no search domain in /etc/resolv.conf (absent)');
    expect(report).toMatch(/Provide one with/);
    // lsblk found nothing, so blkid probed (no udev on some systems)
    expect(f.commands.map((c) => c[0])).toEqual(['lsblk', 'blkid', 'blkid']);
  });

  it('kernel parameter URL comes first: POSTs the system summary, pins the given fingerprint', async () => {
    const f = fakeEnv({
      files: {
        '/proc/cmdline': `openve.answer=https://10.0.2.2/a openve.answer-fingerprint=${FP.toLowerCase()}`,
        [ISO_ANSWER_PATH]: 'iso answer',
      },
      http: { 'https://10.0.2.2/a': { body: ANSWER, fingerprint: FP } },
    });
    const r = await locateAnswer(f.env);
    expect(r.answer).toMatchObject({
      source: 'kernel-cmdline',
      text: ANSWER,
      fingerprint: FP,
      withInstallMedia: false,
    });
    expect(f.requests[0]!.options).toMatchObject({
      method: 'POST',
      fingerprint: FP,
      headers: { 'content-type': 'application/json' },
    });
    expect(JSON.parse(String(f.requests[0]!.options.body))).toMatchObject({
      network_interfaces: [{ mac: '52:54:00:12:34:56' }],
    });
    expect(statuses(r)).toEqual([
      'kernel-cmdline=found',
      'iso=skipped',
      'partition=skipped',
      'http-iso-url=skipped',
      'http-dhcp=skipped',
      'http-dns=skipped',
    ]);
  });

  it('falls back to GET for servers that only serve files (405)', async () => {
    let calls = 0;
    const f = fakeEnv({
      files: { '/proc/cmdline': 'openve.answer=http://10.0.2.2/a' },
      http: { 'http://10.0.2.2/a': { body: ANSWER } },
    });
    const fetch = f.env.fetch;
    f.env.fetch = async (url, o) =>
      calls++ === 0 ? { ...(await fetch(url, o)), status: 405 } : fetch(url, o);
    const r = await locateAnswer(f.env);
    expect(r.answer?.text).toBe(ANSWER);
    expect(f.requests.map((q) => q.options.method)).toEqual(['POST', 'GET']);
  });

  it('a failing kernel-parameter URL ends the search (no silent fallback to another answer)', async () => {
    const f = fakeEnv({
      files: {
        '/proc/cmdline': `openve.answer=https://10.0.2.2/a openve.answer-fingerprint=${OTHER_FP}`,
        [ISO_ANSWER_PATH]: ANSWER,
      },
      http: { 'https://10.0.2.2/a': { body: ANSWER, fingerprint: FP } },
    });
    const r = await locateAnswer(f.env);
    expect(r.answer).toBeUndefined();
    expect(r.attempts[0]!.reason).toBe(
      `openve.answer= on the kernel command line; certificate fingerprint mismatch for https://10.0.2.2/a: expected ${OTHER_FP}, got ${FP}`,
    );
    expect(statuses(r).slice(1)).toEqual([
      'iso=skipped',
      'partition=skipped',
      'http-iso-url=skipped',
      'http-dhcp=skipped',
      'http-dns=skipped',
    ]);
    expect(r.attempts[1]!.reason).toMatch(/not falling back to a different answer/);
  });

  it('a malformed openve.answer is a failure, not ignored', async () => {
    const r = await locateAnswer(
      fakeEnv({ files: { '/proc/cmdline': 'openve.answer=ftp://x', [ISO_ANSWER_PATH]: ANSWER } })
        .env,
    );
    expect(r.answer).toBeUndefined();
    expect(r.attempts[0]).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/expected an http:\/\/ or https:\/\/ URL/),
    });
  });

  it('the file on the ISO, with the first-boot hook next to it, counts as coming with the install media', async () => {
    const f = fakeEnv({
      files: {
        '/proc/cmdline': 'openve.confirm-wipe=1',
        [ISO_ANSWER_PATH]: ANSWER,
        [ISO_FIRST_BOOT_PATH]: '#!/bin/sh\necho hi\n',
      },
    });
    const r = await locateAnswer(f.env);
    expect(r.answer).toMatchObject({
      source: 'iso',
      where: ISO_ANSWER_PATH,
      text: ANSWER,
      withInstallMedia: true,
      firstBoot: { where: ISO_FIRST_BOOT_PATH },
    });
    expect(r.boot.confirmWipe).toBe(true);
    expect(f.commands).toEqual([]); // nothing mounted, nothing fetched
    const json = resultJson(r) as Record<string, unknown>;
    expect(json).toMatchObject({
      found: true,
      source: 'iso',
      withInstallMedia: true,
      confirmWipe: true,
      unattended: true,
      firstBoot: { bytes: 18 },
    });
    expect(JSON.stringify(json)).not.toContain('keyboard'); // the answer text (passwords) is never in the JSON
  });

  it('openve.answer=partition restricts the search to the partition', async () => {
    const f = fakeEnv({
      files: { '/proc/cmdline': 'openve.answer=partition', [ISO_ANSWER_PATH]: 'iso answer' },
      lsblk: {
        blockdevices: [
          {
            name: 'sdb',
            path: '/dev/sdb',
            children: [{ name: 'sdb1', path: '/dev/sdb1', label: 'openve-ais', fstype: 'vfat' }],
          },
        ],
      },
      mount: { ok: true, files: { 'answer.toml': ANSWER, 'first-boot': '#!/bin/sh\n' } },
    });
    const r = await locateAnswer(f.env);
    expect(r.answer).toMatchObject({
      source: 'partition',
      where: '/dev/sdb1:/answer.toml',
      text: ANSWER,
      firstBoot: { where: '/dev/sdb1:/first-boot' },
      withInstallMedia: false,
    });
    expect(statuses(r)).toEqual([
      'kernel-cmdline=not-found',
      'iso=skipped',
      'partition=found',
      'http-iso-url=skipped',
      'http-dhcp=skipped',
      'http-dns=skipped',
    ]);
    expect(f.commands).toEqual([
      ['lsblk', '-J', '-o', 'NAME,PATH,LABEL,FSTYPE'],
      ['mount', '-o', 'ro', '/dev/sdb1', '/tmp/openve-ais-test'],
      ['umount', '/tmp/openve-ais-test'],
    ]);
    expect(f.removed).toEqual(['/tmp/openve-ais-test']);
  });
});

describe('locateAnswer: partition failures', () => {
  it('two sticks labelled OPENVE-AIS are ambiguous: refuse, name both, stop', async () => {
    const f = fakeEnv({
      files: { '/proc/cmdline': '' },
      lsblk: {
        blockdevices: [
          { name: 'sdb', label: 'OPENVE-AIS' },
          {
            name: 'sdc',
            path: '/dev/sdc',
            children: [{ name: 'sdc1', path: '/dev/sdc1', label: 'OPENVE-AIS' }],
          },
        ],
      },
      mount: { ok: true, files: { 'answer.toml': ANSWER } },
    });
    const r = await locateAnswer(f.env);
    expect(r.answer).toBeUndefined();
    expect(r.attempts[2]).toMatchObject({
      status: 'failed',
      where: '/dev/sdb, /dev/sdc1',
      reason: expect.stringMatching(/2 devices are labelled OPENVE-AIS/),
    });
    expect(f.commands.some((c) => c[0] === 'mount')).toBe(false);
  });

  it("found by blkid when lsblk has no labels; mount failure is reported with mount's message", async () => {
    const f = fakeEnv({
      files: { '/proc/cmdline': '' },
      blkid: { 'OPENVE-AIS': '/dev/vdb1' },
      mount: { ok: false },
    });
    const r = await locateAnswer(f.env);
    expect(r.attempts[2]).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/cannot mount \/dev\/vdb1 read-only: .*wrong fs type/),
    });
    expect(f.removed).toEqual(['/tmp/openve-ais-test']);
    expect(f.commands.some((c) => c[0] === 'umount')).toBe(false);
  });

  it('a stick without answer.toml says so and is unmounted', async () => {
    const f = fakeEnv({
      files: { '/proc/cmdline': '' },
      lsblk: { blockdevices: [{ name: 'sdb1', path: '/dev/sdb1', label: 'PROXMOX-AIS' }] },
      mount: { ok: true, files: {} },
    });
    const r = await locateAnswer(f.env);
    expect(r.attempts[2]).toMatchObject({
      status: 'failed',
      reason: '/dev/sdb1 (label PROXMOX-AIS) has no answer.toml at its top level',
    });
    expect(f.commands.at(-1)).toEqual(['umount', '/tmp/openve-ais-test']);
  });
});

describe('locateAnswer: HTTP sources', () => {
  it('URL on the ISO, with its fingerprint; DHCP and DNS are not consulted', async () => {
    const f = fakeEnv({
      files: {
        '/proc/cmdline': '',
        [ISO_ANSWER_URL_PATH]: `https://h:8443/answer\nfingerprint=${FP}\n`,
        [ISO_FIRST_BOOT_PATH]: '#!/bin/sh\n',
      },
      http: { 'https://h:8443/answer': { body: ANSWER, fingerprint: FP } },
    });
    const r = await locateAnswer(f.env);
    expect(r.answer).toMatchObject({
      source: 'http-iso-url',
      fingerprint: FP,
      firstBoot: { where: ISO_FIRST_BOOT_PATH },
    });
    expect(r.attempts.find((a) => a.source === 'http-iso-url')!.reason).toMatch(
      /certificate pinned/,
    );
    expect(statuses(r).slice(-2)).toEqual(['http-dhcp=skipped', 'http-dns=skipped']);
  });

  it('DHCP option 250/251 from the dhclient lease', async () => {
    const f = fakeEnv({
      files: {
        '/proc/cmdline': '',
        '/var/lib/dhcp/dhclient.leases': `lease {\n  option proxmox-auto-installer-manifest-url "https://10.0.2.2/a";\n  option proxmox-auto-installer-cert-fingerprint "${FP}";\n}\n`,
      },
      http: { 'https://10.0.2.2/a': { body: ANSWER, fingerprint: FP } },
    });
    const r = await locateAnswer(f.env);
    expect(r.answer).toMatchObject({ source: 'http-dhcp', where: 'https://10.0.2.2/a' });
    expect(f.requests[0]!.options.fingerprint).toBe(FP);
  });

  it('DHCP option 250 from a systemd-networkd lease; HTTP errors are reported with the status', async () => {
    const url = 'http://10.0.2.2/missing';
    const f = fakeEnv({
      files: {
        '/proc/cmdline': '',
        '/run/systemd/netif/leases/2': `OPTION_250=${Buffer.from(url).toString('hex')}\n`,
      },
      dirs: { '/run/systemd/netif/leases': ['2'] },
      http: { [url]: { status: 404 } },
    });
    const r = await locateAnswer(f.env);
    expect(r.answer).toBeUndefined();
    expect(r.attempts.find((a) => a.source === 'http-dhcp')).toMatchObject({
      status: 'failed',
      reason: 'DHCP option 250 in /run/systemd/netif/leases/2; HTTP 404 Not Found',
    });
  });

  it('DNS TXT record under the search domain', async () => {
    const f = fakeEnv({
      files: { '/proc/cmdline': '', '/etc/resolv.conf': 'search lab.example\n' },
      txt: { 'proxmox-auto-installer.lab.example': 'http://answers.lab.example/a' },
      http: { 'http://answers.lab.example/a': { body: ANSWER } },
    });
    const r = await locateAnswer(f.env);
    expect(r.answer).toMatchObject({ source: 'http-dns', text: ANSWER });
  });

  it('DNS without a record reports the names tried', async () => {
    const f = fakeEnv({
      files: { '/proc/cmdline': '', '/etc/resolv.conf': 'search lab.example\n' },
    });
    const r = await locateAnswer(f.env);
    expect(r.attempts.at(-1)!.reason).toBe(
      'no TXT record (openve-answer.lab.example: ENOTFOUND; proxmox-auto-installer.lab.example: ENOTFOUND)',
    );
  });

  it('an unreachable server is a failure with the network reason', async () => {
    const f = fakeEnv({
      files: { '/proc/cmdline': '', [ISO_ANSWER_URL_PATH]: 'http://10.9.9.9/a\n' },
    });
    const r = await locateAnswer(f.env);
    expect(r.attempts.find((a) => a.source === 'http-iso-url')).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/ECONNREFUSED/),
    });
  });
});

describe('locateAnswer: waiting for the network (the live ISO does not wait for DHCP at boot)', () => {
  function clock(f: ReturnType<typeof fakeEnv>, waitMs: number, onSleep?: (t: number) => void) {
    let t = 1_000_000;
    f.env.now = () => t;
    f.env.sleep = async (ms) => {
      t += ms;
      onSleep?.(t);
    };
    f.env.networkWaitMs = waitMs;
    return () => t;
  }

  it('retries a kernel-parameter URL while the network is unreachable, then succeeds', async () => {
    const f = fakeEnv({
      files: { '/proc/cmdline': 'openve.answer=http://10.0.2.2/a' },
      http: { 'http://10.0.2.2/a': { body: ANSWER } },
    });
    const fetch = f.env.fetch;
    let calls = 0;
    f.env.fetch = async (url, o) => {
      if (++calls <= 3)
        throw new (await import('../../../lib/net/pinned.ts')).PinnedFetchError(
          'network',
          url,
          `cannot reach ${url}: ENETUNREACH`,
        );
      return fetch(url, o);
    };
    clock(f, 60_000);
    const r = await locateAnswer(f.env);
    expect(r.answer?.text).toBe(ANSWER);
    expect(r.attempts[0]!.reason).toMatch(/HTTP 200, .* \(4 tries over 6 s\)$/);
  });

  it('gives up at the deadline and says how long it tried; HTTP errors are not retried', async () => {
    const f = fakeEnv({ files: { '/proc/cmdline': 'openve.answer=http://10.0.2.2/a' } });
    clock(f, 10_000);
    const r = await locateAnswer(f.env);
    expect(r.attempts[0]!.reason).toMatch(/ECONNREFUSED \(6 tries over 10 s\)$/);

    const g = fakeEnv({
      files: { '/proc/cmdline': 'openve.answer=http://10.0.2.2/a' },
      http: { 'http://10.0.2.2/a': { status: 404 } },
    });
    clock(g, 10_000);
    const r2 = await locateAnswer(g.env);
    expect(g.requests.length).toBe(1);
    expect(r2.attempts[0]!.reason).toMatch(/HTTP 404 Not Found$/);
  });

  it('waits for a DHCP lease to appear, then uses its option 250', async () => {
    const lease = '/run/systemd/netif/leases/2';
    const f = fakeEnv({
      files: { '/proc/cmdline': '' },
      dirs: { '/run/systemd/netif/leases': [] },
      http: { 'http://10.0.2.2/a': { body: ANSWER } },
    });
    clock(f, 60_000, (t) => {
      if (t >= 1_005_000) {
        f.files.set(lease, `OPTION_250=${Buffer.from('http://10.0.2.2/a').toString('hex')}\n`);
        (f.env as { listDir: (p: string) => Promise<string[] | null> }).listDir = async () => ['2'];
      }
    });
    const r = await locateAnswer(f.env);
    expect(r.answer).toMatchObject({ source: 'http-dhcp', where: 'http://10.0.2.2/a' });
  });

  it('with no lease by the deadline, reports the wait', async () => {
    const f = fakeEnv({ files: { '/proc/cmdline': '' } });
    clock(f, 5_000);
    const r = await locateAnswer(f.env);
    expect(r.attempts.find((a) => a.source === 'http-dhcp')!.reason).toMatch(
      /; waited 5 s for a DHCP lease\)$/,
    );
  });
});
