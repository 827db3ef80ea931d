import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAnswers, loadAnswerFile, readAnswerFile } from '../../../installer/answers/parse.ts';
import { UserError, formatIssue } from '../../../lib/errors.ts';
import { serializeAnswers } from '../../../installer/answers/serialize.ts';

const BASE = `
[global]
keyboard = "en-us"
country = "at"
fqdn = "node1.example.com"
mailto = "admin@example.com"
timezone = "Europe/Vienna"
root-password = "passw0rd-fixture"

[network]
source = "from-answer"
cidr = "192.168.1.10/24"
gateway = "192.168.1.1"
dns = "192.168.1.1"

[disk-setup]
filesystem = "ext4"
disk-list = ["sda"]
`;

const ok = (text: string) => {
  const r = parseAnswers(text);
  if (!r.ok) throw new Error(r.issues.map(formatIssue).join('\n'));
  return r.value;
};
const problems = (text: string) => {
  const r = parseAnswers(text);
  return r.ok ? [] : r.issues.map(formatIssue);
};

describe('parseAnswers', () => {
  it('normalizes a minimal answer file with defaults', () => {
    expect(ok(BASE)).toEqual({
      global: {
        keyboard: 'en-us',
        country: 'at',
        fqdn: { source: 'from-answer', value: 'node1.example.com' },
        mailto: 'admin@example.com',
        timezone: 'Europe/Vienna',
        rootPassword: { kind: 'plain', value: 'passw0rd-fixture' },
        rootSshKeys: [],
        rebootOnError: false,
        rebootMode: 'reboot',
      },
      network: {
        source: 'from-answer',
        cidr: '192.168.1.10/24',
        gateway: '192.168.1.1',
        dns: '192.168.1.1',
        filter: {},
        pinning: { enabled: null, mapping: {} },
      },
      disk: { filesystem: 'ext4', selection: { kind: 'list', disks: ['sda'] }, lvm: {}, btrfs: {} },
    });
  });

  it('defaults network.source to from-dhcp (older Proxmox files omit it)', () => {
    const a = ok(BASE.replace(/source = "from-answer"\n(.*\n){3}/, ''));
    expect(a.network.source).toBe('from-dhcp');
  });

  it('reads filters, filter-match, btrfs, first-boot, webhook, cluster, bond and vlan', () => {
    const a = ok(
      BASE.replace(
        'disk-list = ["sda"]',
        'filter.ID_MODEL = "Samsung*"\nfilter.ID_SERIAL = "S2*"\nfilter-match = "all"',
      )
        .replace(
          'filesystem = "ext4"',
          'filesystem = "btrfs"\nbtrfs.raid = "RAID10"\nbtrfs.compress = "zstd"\nbtrfs.hdsize = 100',
        )
        .replace(
          'dns = "192.168.1.1"',
          'dns = "192.168.1.1"\nvlan = 20\nfilter.ID_NET_NAME = "enp1s0f0"\nbond = { mode = "802.3ad", filter = { ID_NET_NAME = "enp1s0f*" } }',
        ) +
        `
[first-boot]
source = "from-url"
url = "https://deploy.example.com/first-boot.sh"
cert-fingerprint = "${'AB:'.repeat(31)}AB"

[post-installation-webhook]
url = "https://deploy.example.com/done"
auth-token = "hook-secret-token"

[cluster]
mode = "join"
master = "192.168.1.2"
token = "fleet-token-0123456789"
`,
    );
    expect(a.disk).toEqual({
      filesystem: 'btrfs',
      selection: {
        kind: 'filter',
        filter: { ID_MODEL: 'Samsung*', ID_SERIAL: 'S2*' },
        match: 'all',
      },
      lvm: {},
      btrfs: { raid: 'raid10', compress: 'zstd', hdsize: 100 },
    });
    expect(a.network).toMatchObject({
      vlan: 20,
      filter: { ID_NET_NAME: 'enp1s0f0' },
      bond: { mode: '802.3ad', filter: { ID_NET_NAME: 'enp1s0f*' } },
    });
    expect(a.firstBoot).toEqual({
      source: 'from-url',
      url: 'https://deploy.example.com/first-boot.sh',
      certFingerprint: `${'AB:'.repeat(31)}AB`,
      ordering: 'fully-up',
    });
    expect(a.webhook).toEqual({
      url: 'https://deploy.example.com/done',
      authToken: 'hook-secret-token',
    });
    expect(a.cluster).toEqual({
      mode: 'join',
      master: '192.168.1.2',
      token: 'fleet-token-0123456789',
    });
  });

  it('accepts the snake_case spellings Proxmox still accepts', () => {
    const a = ok(
      BASE.replace('root-password =', 'root_password =')
        .replace('disk-list =', 'disk_list =')
        .replace('[network]', '[network]\n')
        .replace('mailto', 'reboot_on_error = true\nreboot_mode = "power-off"\nmailto'),
    );
    expect(a.global.rootPassword).toEqual({ kind: 'plain', value: 'passw0rd-fixture' });
    expect(a.global.rebootOnError).toBe(true);
    expect(a.global.rebootMode).toBe('power-off');
    expect(a.disk.selection).toEqual({ kind: 'list', disks: ['sda'] });
  });

  it('accepts /dev/ paths in disk-list, as Proxmox does, and keeps the kernel name', () => {
    expect(
      ok(BASE.replace('disk-list = ["sda"]', 'disk_list = ["/dev/sda"]')).disk.selection,
    ).toEqual({ kind: 'list', disks: ['sda'] });
  });

  it('an empty disk-list next to a filter means the filter (Proxmox: empty = unset)', () => {
    const a = ok(BASE.replace('disk-list = ["sda"]', 'disk-list = []\nfilter.ID_TYPE = "disk"'));
    expect(a.disk.selection).toEqual({ kind: 'filter', filter: { ID_TYPE: 'disk' }, match: 'any' });
  });

  it('accepts a hashed password, ssh keys and fqdn from DHCP', () => {
    const a = ok(
      BASE.replace(
        'root-password = "passw0rd-fixture"',
        'root-password-hashed = "$5$saltsalt$9q.2fWeIY0.4u73KEhKAJkB.CdL0Uc0RbNCCgySGSW0"\nroot-ssh-keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINg/5auAsHigk8P3vcCCNxUrf77LCfMEvpsH8XEYYAwa root@vm "]',
      ).replace(
        'fqdn = "node1.example.com"',
        'fqdn.source = "from-dhcp"\nfqdn.domain = "example.com"',
      ),
    );
    expect(a.global.rootPassword).toEqual({
      kind: 'hashed',
      hash: '$5$saltsalt$9q.2fWeIY0.4u73KEhKAJkB.CdL0Uc0RbNCCgySGSW0',
    });
    expect(a.global.rootSshKeys).toEqual([
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINg/5auAsHigk8P3vcCCNxUrf77LCfMEvpsH8XEYYAwa root@vm',
    ]);
    expect(a.global.fqdn).toEqual({ source: 'from-dhcp', domain: 'example.com' });
  });

  it('accepts IPv6 static configuration with a link-local gateway', () => {
    const a = ok(
      BASE.replace('cidr = "192.168.1.10/24"', 'cidr = "2001:db8::10/64"')
        .replace('gateway = "192.168.1.1"', 'gateway = "fe80::1"')
        .replace('dns = "192.168.1.1"', 'dns = "2001:db8::53"'),
    );
    expect(a.network.cidr).toBe('2001:db8::10/64');
  });

  it('reports TOML syntax errors with line and column, never the line itself', () => {
    expect(problems('[global]\nroot-password = "passw0rd-fixture\n')).toEqual([
      'line 2, column 34 (global.root-password): invalid TOML: control characters are not allowed in strings',
    ]);
    expect(problems('a = ')).toEqual(['line 1, column 5 (a): invalid TOML: invalid value']);
  });

  it('reports every problem at once, in file order', () => {
    const lines = problems(
      BASE.replace('keyboard = "en-us"', 'keyboard = "xx"')
        .replace('cidr = "192.168.1.10/24"', 'cidr = "192.168.1.10"')
        .replace('disk-list = ["sda"]', 'disk-list = ["sda", "sda"]\nzfs.raid = "raid1"')
        .replace('[network]', '[cluster]\nmode = "create"\n\n[network]'),
    );
    expect(lines).toEqual([
      "global.keyboard: unknown keyboard layout 'xx'; valid: de, de-ch, dk, en-gb, en-us, es, fi, fr, fr-be, fr-ca, fr-ch, hu, is, it, jp, lt, mk, nl, no, pl, pt, pt-br, se, si, tr",
      "network.cidr: '192.168.1.10' has no prefix length; write the address with it, e.g. '192.168.1.10/24'",
      "disk-setup.disk-list[1]: 'sda' is listed twice (also disk-list[0])",
      'disk-setup.zfs: zfs options are only used with filesystem = "zfs" (filesystem is "ext4"); use lvm.* options',
      'disk-setup.disk-list: ext4 on LVM uses exactly one disk (got 2); for several disks use filesystem = "btrfs" with btrfs.raid',
      'cluster.name: required with mode = "create" (1-15 letters, digits and -)',
    ]);
  });

  it('names wrong top-level values and dates without echoing them', () => {
    expect(problems('global = 1\nnetwork = "x"\n"disk-setup" = 1979-05-27')).toEqual([
      'global: expected a table, got an integer',
      'network: expected a table, got a string',
      'disk-setup: expected a table, got a date',
    ]);
    expect(
      problems(BASE.replace('fqdn = "node1.example.com"', 'fqdn = 2024-01-01T00:00:00Z')),
    ).toEqual([
      'global.fqdn: expected a fully qualified domain name like "node1.example.com", or a table { source = "from-dhcp", domain = "example.com" }',
    ]);
    expect(problems(BASE.replace('filesystem = "ext4"\n', ''))).toEqual([
      'disk-setup.filesystem: required, but missing',
    ]);
  });

  it('names non-finite and out-of-range numbers', () => {
    const text = BASE.replace('dns = "192.168.1.1"', 'dns = "192.168.1.1"\nvlan = 1e300').replace(
      'disk-list = ["sda"]',
      'disk-list = ["sda"]\nlvm.hdsize = inf\nlvm.swapsize = nan\nlvm.maxroot = 1.5',
    );
    expect(problems(text)).toEqual([
      'network.vlan: is too large',
      'network.vlan: must be at most 4094',
      'disk-setup.lvm.hdsize: expected a finite number, got inf',
      'disk-setup.lvm.swapsize: expected a finite number, got nan',
      'disk-setup.lvm.maxroot: 1.5 GiB is too small: the root volume needs at least 4 GiB',
    ]);
    expect(
      problems(BASE.replace('dns = "192.168.1.1"', 'dns = "192.168.1.1"\nvlan = 1.5')),
    ).toEqual(['network.vlan: expected an integer, got a number']);
  });

  it('never throws, whatever it is given', () => {
    for (const input of [
      '',
      '\u0000',
      '[[global]]\n',
      'global = []',
      '[global]\nfqdn = {}',
      '[global.fqdn]\nsource = 1',
      '[network.interface-name-pinning]\nenabled = true\nmapping = 5',
      '[disk-setup]\ndisk-list = [1, true, {a = 1}]\nfilter = "x"',
      undefined as unknown as string,
    ]) {
      expect(() => parseAnswers(input)).not.toThrow();
      expect(parseAnswers(input).ok).toBe(false);
    }
  });
});

describe('loadAnswerFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'openve-answers-'));

  it('reads and validates a file', async () => {
    const file = path.join(dir, 'answer.toml');
    writeFileSync(file, BASE);
    await expect(loadAnswerFile(file)).resolves.toMatchObject({ global: { keyboard: 'en-us' } });
  });

  it('a missing file is a UserError naming the path', async () => {
    const missing = path.join(dir, 'nope.toml');
    const err = await readAnswerFile(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).issues).toEqual([
      { path: missing, message: 'no such file (expected an answer file in TOML)' },
    ]);
    await expect(readAnswerFile(dir)).rejects.toThrow(`${dir}: is a directory`);
  });

  it('an invalid file is one UserError with every issue', async () => {
    const file = path.join(dir, 'bad.toml');
    writeFileSync(file, BASE.replace('country = "at"', 'country = "AT"').replace('ext4', 'ext5'));
    const err = (await loadAnswerFile(file).catch((e: unknown) => e)) as UserError;
    expect(err.issues.map(formatIssue)).toEqual([
      "global.country: 'AT' must be lower case: 'at'",
      "disk-setup.filesystem: 'ext5' is not valid (did you mean 'ext4'?); expected one of ext4, xfs, btrfs",
    ]);
  });
});

describe('network.interface-name-pinning.enabled', () => {
  const base = readFileSync(
    path.join(import.meta.dirname, '../../../examples/answer.toml'),
    'utf8',
  );
  const pinning = (text: string) => {
    const r = parseAnswers(text);
    if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('; '));
    return r.value.network.pinning;
  };
  it('tells "off" from "not given", and serializes "off" back', () => {
    expect(pinning(base).enabled).toBeNull();
    const off = `${base}\n[network.interface-name-pinning]\nenabled = false\n`;
    expect(pinning(off).enabled).toBe(false);
    const r = parseAnswers(off);
    const back = r.ok
      ? serializeAnswers(r.value, { hashPassword: () => `$6$saltsalt$${'a'.repeat(86)}` })
      : '';
    expect(pinning(back).enabled).toBe(false);
  });
});
