import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MachineFacts } from '../../../contracts/fleet.ts';
import { checkTemplate, hashPasswords, loadAnswerDir } from '../../../provision/fleet/answers.ts';
import { Fleet, factsFromQuery } from '../../../provision/fleet/fleet.ts';
import { parseAnswers } from '../../../installer/index.ts';
import { parseReportLba } from '../../../provision/fleet/iso.ts';
import { dnsmasqConfig, installNetworkUla } from '../../../provision/fleet/dnsmasq.ts';
import { renderTemplate, templateVariables } from '../../../provision/fleet/render.ts';
import {
  allocateAddress,
  canonicalMac,
  fileNameRules,
  matchMachine,
  type Rule,
} from '../../../provision/fleet/rules.ts';
import { onProgress, newMachine } from '../../../provision/fleet/state.ts';
import { stateJson } from '../../../provision/fleet/state-json.ts';
import { statusTable, phaseSeconds } from '../../../provision/fleet/status.ts';
import { PASSWORD, TEMPLATE } from './template.ts';

const HASH = '$6$saltsalt$' + 'x'.repeat(86);
const fakeHash = (pw: string) =>
  Promise.resolve(pw === PASSWORD ? HASH : '$6$other$' + 'y'.repeat(86));

const facts = (over: Partial<MachineFacts> = {}): MachineFacts => ({
  mac: '52:54:00:00:00:01',
  macs: ['52:54:00:00:00:01'],
  ...over,
});

describe('matching', () => {
  const rules: Rule[] = [
    { origin: 'fleet.toml machine[0]', answer: 'a.toml', mac: '52:54:00:00:00:01' },
    { origin: 'fleet.toml machine[1]', answer: 'b.toml', serial: 'SN-*' },
    { origin: 'fleet.toml machine[2]', answer: 'c.toml', uuid: '4c4c4544-*' },
    {
      origin: 'fleet.toml machine[3]',
      answer: 'd.toml',
      filter: { 'cpu-vendor': 'GenuineIntel', product: 'Power*' },
    },
    { origin: 'fleet.toml machine[4]', answer: 'bad.toml', mac: '52:54:00:00:00:09' },
  ];
  const opts = { valid: (a: string) => a !== 'bad.toml', hasDefault: true, installUnknown: false };
  const answerOf = (f: MachineFacts, o = opts) => {
    const m = matchMachine(rules, f, o);
    return m.kind === 'none' ? `none: ${m.reason}` : m.rule.answer;
  };
  it('picks by MAC (any NIC), serial, UUID, filters, in rule order', () => {
    expect(answerOf(facts())).toBe('a.toml');
    expect(
      answerOf(
        facts({ mac: '52:54:00:00:00:02', macs: ['52:54:00:00:00:02', '52:54:00:00:00:01'] }),
      ),
    ).toBe('a.toml');
    expect(answerOf(facts({ mac: 'aa:00:00:00:00:01', macs: [], serial: 'SN-17' }))).toBe('b.toml');
    expect(answerOf(facts({ mac: 'aa:00:00:00:00:01', macs: [], uuid: '4c4c4544-0042' }))).toBe(
      'c.toml',
    );
    expect(
      answerOf(
        facts({
          mac: 'aa:00:00:00:00:01',
          macs: [],
          cpuVendor: 'GenuineIntel',
          product: 'PowerEdge R650',
        }),
      ),
    ).toBe('d.toml');
    // every selector of a rule must match
    expect(
      answerOf(facts({ mac: 'aa:00:00:00:00:01', macs: [], cpuVendor: 'GenuineIntel' })),
    ).toMatch(/^none/);
  });
  it('never serves an invalid answer; default only with --install-unknown', () => {
    expect(answerOf(facts({ mac: '52:54:00:00:00:09', macs: [] }))).toBe(
      'none: fleet.toml machine[4] matches, but bad.toml is invalid',
    );
    expect(answerOf(facts({ mac: 'aa:00:00:00:00:07', macs: [] }))).toMatch(/--install-unknown/);
    expect(
      answerOf(facts({ mac: 'aa:00:00:00:00:07', macs: [] }), { ...opts, installUnknown: true }),
    ).toBe('default.toml');
  });
  it('file names are rules: MAC before serial before UUID; bad MACs are issues', () => {
    const r = fileNameRules([
      'uuid-ABC.toml',
      'serial-X1.toml',
      'mac-52-54-00-AA-BB-CC.toml',
      'mac-zz.toml',
      'node.toml',
    ]);
    expect(r.rules.map((x) => [x.answer, x.mac ?? x.serial ?? x.uuid])).toEqual([
      ['mac-52-54-00-AA-BB-CC.toml', '52:54:00:aa:bb:cc'],
      ['serial-X1.toml', 'X1'],
      ['uuid-ABC.toml', 'abc'],
    ]);
    expect(r.issues).toEqual([
      { path: 'mac-zz.toml', message: expect.stringContaining('not a MAC address') },
    ]);
    expect(canonicalMac('5254001234AB')).toBe('52:54:00:12:34:ab');
  });
  it('allocates pool addresses in order, skipping taken ones', () => {
    expect(allocateAddress('10.0.0.1-10.0.0.3', new Set(['10.0.0.1']))).toBe('10.0.0.2');
    expect(allocateAddress('10.0.0.1-10.0.0.2', new Set(['10.0.0.1', '10.0.0.2']))).toBeNull();
    // from the hint on, wrapping to the start; a hint outside the pool starts at the start
    expect(allocateAddress('10.0.0.1-10.0.0.3', new Set(['10.0.0.3']), '10.0.0.3')).toBe(
      '10.0.0.1',
    );
    expect(allocateAddress('10.0.0.1-10.0.0.3', new Set(), '10.0.0.4')).toBe('10.0.0.1');
  });
  it('literal rules looked up by value keep their place among glob rules', () => {
    const mixed: Rule[] = [
      { origin: 'r0', answer: 'glob.toml', mac: '52:54:00:00:00:*' },
      { origin: 'r1', answer: 'lit.toml', mac: '52:54:00:00:00:01' },
      { origin: 'r2', answer: 'lit2.toml', mac: 'aa:00:00:00:00:01' },
      { origin: 'r3', answer: 'ser.toml', serial: 'S1' },
    ];
    const valid = { hasDefault: false, installUnknown: false };
    const pick = (f: MachineFacts, ok = (_a: string) => true) => {
      const m = matchMachine(mixed, f, { ...valid, valid: ok });
      return m.kind === 'none' ? `none: ${m.reason}` : m.rule.answer;
    };
    expect(pick(facts())).toBe('glob.toml');
    expect(pick(facts(), (a) => a !== 'glob.toml')).toBe('lit.toml');
    expect(pick(facts({ mac: 'aa:00:00:00:00:01', macs: [] }))).toBe('lit2.toml');
    expect(pick(facts({ mac: 'bb:00:00:00:00:01', macs: [], serial: 'S1' }))).toBe('ser.toml');
    expect(pick(facts(), (a) => a === 'none')).toBe(
      'none: r0 matches, but glob.toml is invalid; r1 matches, but lit.toml is invalid',
    );
  });
});

describe('templates', () => {
  it('names unknown variables by line, refuses unsafe values', () => {
    expect(templateVariables('a = "{{hostname}}"\nb = "{{nope}}"').issues).toEqual([
      { path: 'line 2', message: expect.stringContaining('unknown variable {{nope}}') },
    ]);
    expect(renderTemplate('a = "{{hostname}}"', { hostname: 'x" \n[global]' })).toEqual({
      ok: false,
      issues: [{ path: '{{hostname}}', message: expect.stringContaining('not a plain token') }],
    });
    expect(renderTemplate('a = "{{ip}}"', {})).toMatchObject({ ok: false });
  });
  it('checks the rendered answer with the answer file rules', () => {
    expect(checkTemplate(TEMPLATE)).toEqual([]);
    expect(checkTemplate(TEMPLATE.replace('"ext4"', '"ntfs"'))[0]!.path).toBe(
      'disk-setup.filesystem',
    );
  });
  it('replaces a plain root password by its hash', async () => {
    const out = await hashPasswords(TEMPLATE, fakeHash);
    expect(out).not.toContain(PASSWORD);
    expect(out).toContain(`root-password-hashed = "${HASH}"`);
    expect(out).toContain('fqdn = "{{fqdn}}"');
  });
});

describe('answer directory and the server logic', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-unit-'));
  writeFileSync(path.join(dir, 'node.toml'), TEMPLATE);
  writeFileSync(path.join(dir, 'broken.toml'), '[global]\nkeyboard = 3\n');
  writeFileSync(
    path.join(dir, 'fleet.toml'),
    '[pool]\naddresses = "10.88.0.100-10.88.0.101"\ngateway = "10.88.0.1"\ndns = "10.88.0.1"\ndomain = "lab.lan"\n\n' +
      '[[machine]]\nanswer = "node.toml"\nmac = "52:54:00:*"\n\n[[machine]]\nanswer = "broken.toml"\nserial = "BAD*"\n\n[[machine]]\nanswer = "missing.toml"\nmac = "zz"\n',
  );

  it('reports every problem as file: path: message', async () => {
    const set = await loadAnswerDir(dir, fakeHash);
    expect([...set.templates.keys()]).toEqual(['node.toml']);
    const lines = set.issues.map((i) => `${i.path}: ${i.message}`);
    expect(lines).toContain('broken.toml: global.keyboard: expected a string, got an integer');
    expect(lines).toContain(
      `fleet.toml: machine[2].answer: no such answer file in ${dir}: missing.toml`,
    );
  });

  it('boots, answers, records progress, then sends the installed machine to its disk', async () => {
    let t = 1000;
    const fleet = new Fleet(await loadAnswerDir(dir, fakeHash), {
      base: 'http://10.88.0.1',
      secureBase: 'https://10.88.0.1:8443',
      fingerprint: 'AB:'.repeat(31) + 'AB',
      installUnknown: false,
      now: () => t,
    });
    const boot = fleet.machineBoot(new URLSearchParams('mac=52:54:00:00:00:01&uuid=&serial=SN1'));
    expect(boot.status).toBe(200);
    const token = /answer\/([0-9a-f]{48})/.exec(boot.status === 200 ? boot.body : '')![1]!;
    t = 2000;
    const answer = fleet.answer(token, {
      network_interfaces: [{ link: 'ens3', mac: '52:54:00:00:00:01' }],
    });
    expect(answer).toMatchObject({ status: 200 });
    const text = answer.status === 200 ? answer.body : '';
    expect(text).toContain('fqdn = "node1.lab.lan"');
    expect(text).toContain('cidr = "10.88.0.100/24"');
    expect(text).not.toContain(PASSWORD);
    t = 3000;
    fleet.progress(token, [
      { type: 'progress', ratio: 0.4, step: 'extract:payload', text: 'Copying' },
      { type: 'finished', ok: true, seconds: 120 },
    ]);
    const m = fleet.machines.get('52:54:00:00:00:01')!;
    expect(m).toMatchObject({ phase: 'finished', hostname: 'node1', ip: '10.88.0.100', events: 2 });
    expect(phaseSeconds(m)).toEqual({
      'booting->installer': 1,
      'installer->installing': 1,
      'installing->finished': 0,
    });
    const again = fleet.machineBoot(new URLSearchParams('mac=52:54:00:00:00:01'));
    expect(again.status === 200 && again.body).toContain('exit');
    expect(fleet.answer('0'.repeat(48), null)).toMatchObject({ status: 403 });
    // the answer carries the server as the post-installation webhook: the first boot reports in
    const parsed = parseAnswers(text);
    expect(parsed.ok && parsed.value.webhook).toEqual({
      url: 'https://10.88.0.1:8443/booted',
      certFingerprint: 'AB:'.repeat(31) + 'AB',
      authToken: token,
    });
    t = 4000;
    expect(fleet.booted({ token: 'f'.repeat(48) })).toMatchObject({ status: 403 });
    expect(
      fleet.booted({
        token,
        fqdn: 'node1.lab.lan',
        kernel_version: { release: '6.12.0' },
        network_interfaces: [{ name: 'ens3', addresses: ['10.88.0.100/24', 'fe80::1/64'] }],
      }),
    ).toMatchObject({ status: 200 });
    const booted = fleet.machines.get('52:54:00:00:00:01')!;
    expect(booted).toMatchObject({
      phase: 'booted',
      booted: { fqdn: 'node1.lab.lan', kernel: '6.12.0', addresses: ['10.88.0.100/24'] },
    });
    expect(phaseSeconds(booted)['finished->booted']).toBe(1);
    expect(
      statusTable(
        {
          server: { pid: 1, started: 0, http: 'h', https: 'h', fingerprint: 'f' },
          machines: [booted],
        },
        5000,
      ),
    ).toContain('installed in 120 s, first boot reported as node1.lab.lan (10.88.0.100/24)');
    // booted is installed too: sent to its disk, never reinstalled
    const third = fleet.machineBoot(new URLSearchParams('mac=52:54:00:00:00:01'));
    expect(third.status === 200 && third.body).toContain('exit');
  });

  it('lists an unknown machine as discovered, with its facts, and serves it nothing', async () => {
    const fleet = new Fleet(await loadAnswerDir(dir, fakeHash), {
      base: 'http://h',
      secureBase: 'https://h:1',
      fingerprint: 'AB:'.repeat(31) + 'AB',
      installUnknown: false,
    });
    const boot = fleet.machineBoot(new URLSearchParams('mac=aa:bb:cc:00:00:01&serial=X'));
    const token = /answer\/([0-9a-f]{48})/.exec(boot.status === 200 ? boot.body : '')![1]!;
    const r = fleet.answer(token, {
      network_interfaces: [{ link: 'eth0', mac: 'aa:bb:cc:00:00:01' }],
      cpu: { model: 'Xeon', vendor: 'GenuineIntel', cores: 8, threads: 16 },
    });
    expect(r).toMatchObject({ status: 404 });
    const m = fleet.machines.get('aa:bb:cc:00:00:01')!;
    expect(m).toMatchObject({ phase: 'discovered', facts: { cpuModel: 'Xeon', serial: 'X' } });
    expect(
      statusTable(
        { server: { pid: 1, started: 0, http: 'h', https: 'h', fingerprint: 'f' }, machines: [m] },
        0,
      ),
    ).toContain('discovered');
  });

  it('serves a machine its cached answer until the directory is reloaded', async () => {
    const fleet = new Fleet(await loadAnswerDir(dir, fakeHash), {
      base: 'http://h',
      secureBase: 'https://h:1',
      fingerprint: 'AB:'.repeat(31) + 'AB',
      installUnknown: false,
    });
    const boot = fleet.machineBoot(new URLSearchParams('mac=52:54:00:00:00:05'));
    const token = /answer\/([0-9a-f]{48})/.exec(boot.status === 200 ? boot.body : '')![1]!;
    const first = fleet.answer(token, null);
    expect(fleet.answer(token, null)).toEqual(first);
    writeFileSync(
      path.join(dir, 'node.toml'),
      TEMPLATE.replace('admin@openve.lan', 'ops@openve.lan'),
    );
    fleet.answers = await loadAnswerDir(dir, fakeHash);
    writeFileSync(path.join(dir, 'node.toml'), TEMPLATE);
    const after = fleet.answer(token, null);
    expect(after.status === 200 && after.body).not.toEqual(first.status === 200 && first.body);
  });

  it('state JSON reuses unchanged machines and equals JSON.stringify', async () => {
    const fleet = new Fleet(await loadAnswerDir(dir, fakeHash), {
      base: 'http://h',
      secureBase: 'https://h:1',
      fingerprint: 'AB:'.repeat(31) + 'AB',
      installUnknown: false,
    });
    const server = { pid: 1, started: 0, http: 'h', https: 'h', fingerprint: 'f' };
    fleet.machineBoot(new URLSearchParams('mac=52:54:00:00:00:07'));
    const boot = fleet.machineBoot(new URLSearchParams('mac=52:54:00:00:00:06&serial=S'));
    const before = stateJson({ server, machines: fleet.list() });
    expect(before).toBe(JSON.stringify({ server, machines: fleet.list() }));
    const token = /answer\/([0-9a-f]{48})/.exec(boot.status === 200 ? boot.body : '')![1]!;
    fleet.progress(token, [{ type: 'progress', ratio: 0.5, step: 's', text: 't' }]);
    const after = stateJson({ server, machines: fleet.list() });
    expect(after).toBe(JSON.stringify({ server, machines: fleet.list() }));
    expect(after).not.toBe(before);
  });

  it('refuses bad iPXE requests with a field name', () => {
    expect(factsFromQuery(new URLSearchParams('mac=nope'))).toBeNull();
    expect(
      factsFromQuery(
        new URLSearchParams('mac=52:54:00:00:00:01&uuid=00000000-0000&serial=Default%20string'),
      ),
    ).toEqual({
      mac: '52:54:00:00:00:01',
      macs: ['52:54:00:00:00:01'],
    });
  });

  it('cleans up', () => rmSync(dir, { recursive: true, force: true }));
});

describe('state and ISO extents', () => {
  it('failed installs keep the error', () => {
    const m = onProgress(
      newMachine(facts(), 0),
      [
        { type: 'error', text: 'disk vda too small' },
        { type: 'finished', ok: false, seconds: 3 },
      ],
      5,
    );
    expect(m).toMatchObject({
      phase: 'failed',
      reason: 'disk vda too small',
      log: ['error: disk vda too small'],
    });
  });
  it('parses xorriso report_lba', () => {
    const text =
      "Report layout: xt , Startlba ,   Blocks , Filesize , ISO image path\nFile data lba:  0 ,       33 ,        3 ,     5000 , '/live/initrd.img'\nFile data lba:  0 ,       36 ,      147 ,   300000 , '/live/vmlinuz'\n";
    expect([...parseReportLba(text)]).toEqual([
      ['/live/initrd.img', { start: 33 * 2048, size: 5000 }],
      ['/live/vmlinuz', { start: 36 * 2048, size: 300000 }],
    ]);
  });
});

describe('serve arguments', () => {
  it('names every missing or malformed option', async () => {
    const { run } = await import('../../../provision/fleet/serve.ts');
    const err = await run(['--dhcp-range', '10.0.0.1', '--https-port', 'x']).catch(
      (e: unknown) => e,
    );
    expect((err as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual([
      '--answers',
      '--iso',
      '--https-port',
      '--dhcp-range',
      '--interface',
      '--listen',
    ]);
  });
});

describe('dnsmasq: IPv6 on the install network', () => {
  const common = {
    interface: 'br0',
    address: '10.88.0.1',
    httpPort: 80,
    tftpRoot: '/usr/lib/ipxe',
    pidFile: '/p',
    logFile: '/l',
    leaseFile: '/f',
  };
  it('full DHCP sends router advertisements and stateless DHCPv6 for the interface prefix', () => {
    const lines = dnsmasqConfig({ ...common, dhcpRange: ['10.88.0.100', '10.88.0.199'] }).split(
      '\n',
    );
    expect(lines).toContain('enable-ra');
    expect(lines).toContain('dhcp-range=::,constructor:br0,ra-stateless,64,10m');
  });
  it('proxy-DHCP leaves IPv6 to the site (no RAs next to its router)', () => {
    const conf = dnsmasqConfig(common);
    expect(conf).not.toContain('enable-ra');
    expect(conf).not.toContain('ra-stateless');
  });
  it('the ULA given to an interface without IPv6 is a /64 named by its IPv4 address', () => {
    expect(installNetworkUla('10.88.0.1')).toBe('fd6f:7665:a58:1::1/64');
    expect(installNetworkUla('192.168.255.254')).toBe('fd6f:7665:c0a8:fffe::1/64');
    expect(() => installNetworkUla('10.88.0')).toThrow(/not an IPv4 address/);
  });
});
