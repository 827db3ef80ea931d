import { describe, expect, it } from 'vitest';
import * as v from '../../../contracts/answers/validators.ts';
import { KEYBOARD_IDS, COUNTRY_CODES } from '../../../contracts/answers/locales.ts';
import { closest } from '../../../contracts/answers/suggest.ts';

const KEYS = {
  ed25519: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINg/5auAsHigk8P3vcCCNxUrf77LCfMEvpsH8XEYYAwa root@vm',
  rsa2048:
    'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDMau4ZRy/W7p0TWyOHaN0rY18fKcZCx6ZXWhGxvbLt2esu9cte8zTPSUGs/lZoXGAuW75fA4ZHoz0YSzSLCmSjeXoewuiWpJNO1g8FnKABh1m0GMKPkqsx9SNZxkut3aIZ6tkbPRnGPKPgiw7mkepbZuC4IHO05oUpg7TeDhVSyaS3WIbjLfizd1LfeXBgfSkNo6bvueX2GpGEBR6IHfPoVkHtVZPaHVL4My5EBhtcbLkN50+WdZUZPysuWbSeJr0jB0PDQrMPLnBLrAR+Y+GHV+QKDMJv79jlpXoPYOQVV/AlNYVbfGDQnZ7J1Ona1gjFfLncVCyh3nRkHKOdkiX/ root@vm',
  p256: 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBK7qyO3n4HthMdja2kGF354pxiD3VdaKiBOMu/ZKvHPFs2ez0HN9LJZiS/zhze/RoqTJGN3qdQL2uAJZk5medck= test@openve',
  p384: 'ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBJAP6KQsRq9J+hxCMNdMqi5vdafeUvmKN2HTMzwwKA1riSyMXL4f/SbIx7AwHtTNDp4jTVTA/u012EVtgub83Lqquyj327mGhT1Czp5KzELxFob1ffWw6LMGhseSdbffXw== root@vm',
  p521: 'ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAALdmMu6btlP2MEpkCZwS+JOmtx38ReE6Sj656t03pSj++0nmlE5jZAv4R8d4IAwVgMaVnPIVb6+2ChlUAPWhZT/gELmFFLOx1hUb+9MALkklz+mAuYb/v5ERt4y5J+F0MrlHItP8qRjVEfloGmPtmZEcVl+2GD8rr7LV/MoziABGOBUQ== test@openve',
};

function sshString(b: Buffer | string): Buffer {
  const data = typeof b === 'string' ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
}
const blob = (...parts: (Buffer | string)[]) => Buffer.concat(parts.map(sshString)).toString('base64');

describe('validateFqdn', () => {
  it.each(['node1.example.com', 'a-b.com', 'pve.lan', '123foo.example', 'Node1.Example.COM', `${'a'.repeat(63)}.com`])(
    'accepts %s',
    (fqdn) => expect(v.validateFqdn(fqdn)).toBeNull(),
  );
  it.each([
    ['node1', 'needs a domain'],
    ['', 'must not be empty'],
    ['-foo.com', "must not start or end with '-'"],
    ['foo-.com', "must not start or end with '-'"],
    ['foo.com-', "must not start or end with '-'"],
    ['123.com', 'purely numeric'],
    ['node_1.example.com', "may only contain letters, digits and '-'"],
    ['123@foo.com', "may only contain letters, digits and '-'"],
    ['a..b', 'empty label'],
    [`${'a'.repeat(64)}.com`, 'longer than 63'],
    [`${'a'.repeat(250)}.com`, 'longer than 253'],
  ])('refuses %s', (fqdn, message) => expect(v.validateFqdn(fqdn)).toContain(message));
});

describe('validateHostname / validateDomain', () => {
  it('host names are one label', () => {
    expect(v.validateHostname('node1')).toBeNull();
    expect(v.validateHostname('node1.lan')).toContain('without dots');
    expect(v.validateHostname('42')).toContain('purely numeric');
    expect(v.validateHostname('-x')).toContain("'-'");
  });
  it('domains may be one label', () => {
    expect(v.validateDomain('lan')).toBeNull();
    expect(v.validateDomain('example.com')).toBeNull();
    expect(v.validateDomain('exa mple.com')).toContain('letters, digits');
    expect(v.validateDomain('')).toContain('empty');
  });
});

describe('IP addresses', () => {
  it('parses v4 dotted quads and v6, nothing else', () => {
    expect(v.validateIp('10.0.0.1')).toBeNull();
    expect(v.validateIp('2001:db8::1')).toBeNull();
    expect(v.validateIp('::ffff:10.0.0.1')).toBeNull();
    for (const bad of ['10.1', '010.0.0.1', '0x0a.0.0.1', '1.2.3.256', 'fe80::1%eth0', 'host', '']) {
      expect(v.validateIp(bad), bad).toContain('not a valid IPv4 or IPv6 address');
    }
    expect(v.validateIp('10.0.0.1/24')).toContain('without a prefix length');
  });
  it('host IPs exclude unspecified, multicast and broadcast', () => {
    expect(v.validateHostIp('0.0.0.0')).toContain('unspecified');
    expect(v.validateHostIp('224.0.0.1')).toContain('multicast');
    expect(v.validateHostIp('255.255.255.255')).toContain('broadcast');
    expect(v.validateHostIp('8.8.8.8')).toBeNull();
  });
});

describe('validateCidr', () => {
  it.each(['192.168.1.10/24', '10.0.0.1/8', '10.0.0.0/31', '10.0.0.7/32', '2001:db8::10/64', 'fd00::1/128'])('accepts %s', (c) =>
    expect(v.validateCidr(c)).toBeNull(),
  );
  it.each([
    ['192.168.1.10', 'no prefix length'],
    ['10.10.10.10/33', 'from 1 to 32'],
    ['2001:db8::1/129', 'from 1 to 128'],
    ['10.0.0.1/0', 'from 1 to 32'],
    ['10.0.0.1/x', 'from 1 to 32'],
    ['10.0.0.1/ 24', 'from 1 to 32'],
    ['300.0.0.1/24', 'not a valid IPv4 or IPv6 address'],
    ['192.168.1.0/24', 'network address'],
    ['192.168.1.255/24', 'broadcast address'],
    ['127.0.0.1/8', 'loopback'],
    ['224.0.0.5/4', 'multicast'],
  ])('refuses %s', (c, message) => expect(v.validateCidr(c)).toContain(message));
  it('parseCidr returns family and prefix', () => {
    expect(v.parseCidr('2001:db8::10/64')).toMatchObject({ family: 'ipv6', prefix: 64 });
    expect(v.parseCidr('nope')).toBeNull();
  });
});

describe('validateGateway', () => {
  it('accepts a host in the subnet', () => {
    expect(v.validateGateway('192.168.1.1', '192.168.1.10/24')).toBeNull();
    expect(v.validateGateway('10.255.0.1', '10.0.0.5/8')).toBeNull();
    expect(v.validateGateway('2001:db8::1', '2001:db8::10/64')).toBeNull();
  });
  it('accepts an IPv6 link-local gateway (router advertisements)', () => {
    expect(v.validateGateway('fe80::1', '2001:db8::10/64')).toBeNull();
  });
  it('refuses gateways outside the subnet, the address itself, other families, network/broadcast', () => {
    expect(v.validateGateway('192.168.2.1', '192.168.1.10/24')).toBe(
      "'192.168.2.1' is not inside the subnet 192.168.1.0/24 of '192.168.1.10/24'",
    );
    expect(v.validateGateway('192.168.1.10', '192.168.1.10/24')).toContain("host's own address");
    expect(v.validateGateway('2001:db8::1', '192.168.1.10/24')).toContain('is IPv6 but');
    expect(v.validateGateway('192.168.1.0', '192.168.1.10/24')).toContain('network address');
    expect(v.validateGateway('192.168.1.255', '192.168.1.10/24')).toContain('broadcast address');
    expect(v.validateGateway('2001:db9::1', '2001:db8::10/64')).toContain('not inside the subnet 2001:db8::/64');
    expect(v.validateGateway('gw', '192.168.1.10/24')).toContain('not a valid');
  });
  it('leaves an invalid cidr to validateCidr', () => {
    expect(v.validateGateway('192.168.1.1', '192.168.1.10/99')).toBeNull();
  });
});

describe('validateEmail', () => {
  it.each(['mail@no.invalid', 'a.b+c@example.com', 'root@localhost'])('accepts %s', (e) => expect(v.validateEmail(e)).toBeNull());
  it.each(['admin', 'admin@', '@example.com', 'a b@example.com', 'a@-example.com', 'a@exa_mple.com'])('refuses %s', (e) =>
    expect(v.validateEmail(e)).toContain('does not look like an e-mail address'),
  );
});

describe('locale', () => {
  it('time zones: IANA names and zone.tab spellings, case-sensitive', () => {
    for (const tz of ['Europe/Vienna', 'UTC', 'Etc/UTC', 'Europe/Kyiv', 'Europe/Kiev', 'Asia/Kolkata', 'America/Argentina/Buenos_Aires']) {
      expect(v.validateTimezone(tz), tz).toBeNull();
    }
    expect(v.validateTimezone('Europe/Viena')).toContain("(did you mean 'Europe/Vienna'?)");
    expect(v.validateTimezone('europe/vienna')).toContain("(did you mean 'Europe/Vienna'?)");
    expect(v.validateTimezone('Mars/Olympus')).toContain('unknown time zone');
  });
  it("keyboards: Proxmox's 25 ids", () => {
    expect(KEYBOARD_IDS).toHaveLength(25);
    for (const k of KEYBOARD_IDS) expect(v.validateKeyboard(k)).toBeNull();
    expect(v.validateKeyboard('en_us')).toContain("(did you mean 'en-us'?)");
    expect(v.validateKeyboard('us')).toContain("(did you mean 'en-us'?)");
    expect(v.validateKeyboard('klingon')).toContain('valid: de, de-ch');
  });
  it('countries: ISO 3166-1 alpha-2, lower case', () => {
    expect(COUNTRY_CODES).toHaveLength(249);
    expect(v.validateCountry('at')).toBeNull();
    expect(v.validateCountry('us')).toBeNull();
    expect(v.validateCountry('AT')).toBe("'AT' must be lower case: 'at'");
    expect(v.validateCountry('xx')).toContain('ISO 3166-1 alpha-2');
    expect(v.validateCountry('aut')).toContain('ISO 3166-1 alpha-2');
  });
});

describe('secrets', () => {
  it('passwords: >= 8 characters, no control characters, never echoed', () => {
    expect(v.validatePassword('12345678')).toBeNull();
    expect(v.validatePassword('passw0rd-fixture')).toBeNull();
    expect(v.validatePassword('sécurité')).toBeNull();
    expect(v.validatePassword('secret7')).toBe('must be at least 8 characters long (has 7)');
    expect(v.validatePassword('pass\nword123')).toContain('control characters');
    expect(v.validatePassword('short')).not.toContain('short');
  });
  it('crypt hashes: $y$, $6$, $5$ well-formed', () => {
    const ok = [
      '$y$j9T$VgMv8lsz/TEvzesCZU3xD.$SK.h4QW51Jr/EmjuaTz5Bt4kYiX2Iezz6omzoqVEwj9',
      '$6$saltsalt$Baam44WG9lf42tAxOY0Zd0yPf4a5cCr/2VqiHU18zW4Kn7ICuD6B9jRyIBVvHPYhY6H76TQXPD4CKUdG9xLOr/',
      '$6$rounds=5000$abc$K4v3HcZ8yAmpRfxML6S46NCcqy9r4/KdbQpFvqSWsBf4dgySOEOo1DHJTrmn2BsJK2aNmPN8Tfb826D2o9.z51',
      '$5$saltsalt$9q.2fWeIY0.4u73KEhKAJkB.CdL0Uc0RbNCCgySGSW0',
    ];
    for (const h of ok) expect(v.validateCryptHash(h), h).toBeNull();
    expect(v.validateCryptHash('$1$abc$def')).toContain('must start with $y$');
    expect(v.validateCryptHash('$2b$10$abcdefghijklmnopqrstuu')).toContain('must start with $y$');
    expect(v.validateCryptHash('plaintext')).toContain('must start with $y$');
    expect(v.validateCryptHash('$6$saltsalt$short')).toContain('malformed SHA-512');
    expect(v.validateCryptHash('$5$salt$' + 'a'.repeat(44))).toContain('malformed SHA-256');
    expect(v.validateCryptHash('$y$j9T$salt$tooshort')).toContain('malformed yescrypt');
  });
  it('cluster tokens: >= 16 printable characters', () => {
    expect(v.validateToken('0123456789abcdef')).toBeNull();
    expect(v.validateToken('short')).toBe('must be at least 16 characters long (has 5)');
    expect(v.validateToken('0123456789 abcdef')).toContain('without spaces');
  });
});

describe('validateSshPublicKey', () => {
  it.each(Object.entries(KEYS))('accepts a real %s key', (_, key) => expect(v.validateSshPublicKey(key)).toBeNull());
  it('accepts a key without comment and with surrounding whitespace', () => {
    expect(v.validateSshPublicKey(`  ${KEYS.ed25519.split(' ').slice(0, 2).join(' ')}  `)).toBeNull();
  });
  it('accepts security-key types', () => {
    const sk = `sk-ssh-ed25519@openssh.com ${blob('sk-ssh-ed25519@openssh.com', Buffer.alloc(32, 7), 'ssh:')}`;
    expect(v.validateSshPublicKey(sk)).toBeNull();
  });
  it('refuses a type that does not match the key data', () => {
    const data = KEYS.ed25519.split(' ')[1];
    expect(v.validateSshPublicKey(`ssh-rsa ${data}`)).toBe(
      "not a valid ssh-rsa public key: the key data is a 'ssh-ed25519' key but the line says 'ssh-rsa'",
    );
  });
  it('refuses broken key data', () => {
    expect(v.validateSshPublicKey('ssh-ed25519')).toContain('has no key data');
    expect(v.validateSshPublicKey('ssh-ed25519 not!base64')).toContain('not valid base64');
    expect(v.validateSshPublicKey('ssh-ed25519 AAAA')).toContain('truncated');
    expect(v.validateSshPublicKey(`ssh-ed25519 ${blob('ssh-ed25519', Buffer.alloc(31))}`)).toContain('32 bytes');
    expect(v.validateSshPublicKey(`ssh-ed25519 ${blob('ssh-ed25519', Buffer.alloc(32), 'extra')}`)).toContain('trailing bytes');
    expect(v.validateSshPublicKey(`ecdsa-sha2-nistp256 ${blob('ecdsa-sha2-nistp256', 'nistp384', Buffer.alloc(65))}`)).toContain(
      'curve nistp256',
    );
    const n512 = Buffer.concat([Buffer.from([0x00, 0xc0]), Buffer.alloc(63, 1)]);
    expect(v.validateSshPublicKey(`ssh-rsa ${blob('ssh-rsa', Buffer.from([1, 0, 1]), n512)}`)).toContain('at least 1024 bits');
  });
  it('refuses unknown and obsolete types, options, several lines, empty', () => {
    expect(v.validateSshPublicKey('ssh-ed448 AAAA')).toContain('unknown key type; a key line starts with one of ssh-ed25519');
    expect(v.validateSshPublicKey('ssh-ed2519 AAAA')).toContain("unknown key type (did you mean 'ssh-ed25519'?)");
    expect(v.validateSshPublicKey('hunter2-secret')).not.toContain('hunter2');
    expect(v.validateSshPublicKey('ssh-dss AAAA')).toContain('DSA');
    expect(v.validateSshPublicKey(`from="10.0.0.0/8" ${KEYS.ed25519}`)).toContain('options are not supported');
    expect(v.validateSshPublicKey(`${KEYS.ed25519}\n${KEYS.p256}`)).toContain('single line');
    expect(v.validateSshPublicKey('')).toContain('must not be empty');
  });
});

describe('URLs, fingerprints, NICs, disks, cluster names', () => {
  it('URLs: http and https with a host', () => {
    expect(v.validateUrl('https://hooks.example.com/done')).toBeNull();
    expect(v.validateUrl('http://10.0.0.1:8000/x')).toBeNull();
    expect(v.validateUrl('ftp://example.com/')).toContain('http:// or https://');
    expect(v.validateUrl('example.com/x')).toContain('not a valid URL');
  });
  it('SHA-256 fingerprints with or without colons', () => {
    const hex = 'ab'.repeat(32);
    expect(v.validateCertFingerprint(hex)).toBeNull();
    expect(v.validateCertFingerprint(hex.toUpperCase())).toBeNull();
    expect(v.validateCertFingerprint(hex.match(/../g)!.join(':'))).toBeNull();
    expect(v.validateCertFingerprint('ab'.repeat(20))).toContain('32 hex bytes');
    expect(v.validateCertFingerprint(`${'ab:'.repeat(31)}zz`)).toContain('32 hex bytes');
  });
  it('MAC addresses and pinned interface names', () => {
    expect(v.validateMac('24:8A:07:1e:05:bc')).toBeNull();
    expect(v.validateMac('24-8a-07-1e-05-bc')).toContain('not a MAC address');
    expect(v.validateInterfaceName('lan0')).toBeNull();
    expect(v.validateInterfaceName('a')).toContain('at least 2');
    expect(v.validateInterfaceName('waytoolonginterfacename')).toContain('longer than 15');
    expect(v.validateInterfaceName('0lan')).toContain('start with a letter');
    expect(v.validateInterfaceName('lan-0')).toContain('start with a letter');
  });
  it('disk names are kernel names', () => {
    for (const d of ['sda', 'nvme0n1', 'vda', 'mmcblk0', 'cciss!c0d0']) expect(v.validateDiskName(d), d).toBeNull();
    expect(v.validateDiskName('/dev/sda')).toBeNull(); // Proxmox matches the end of the /dev path
    expect(v.diskKernelName('/dev/nvme0n1')).toBe('nvme0n1');
    expect(v.validateDiskName('/dev/disk/by-id/ata-X')).toContain('filter.ID_SERIAL');
    expect(v.validateDiskName('disk one')).toContain('not a disk name');
  });
  it('cluster names', () => {
    expect(v.validateClusterName('lab-1')).toBeNull();
    expect(v.validateClusterName('my-very-long-cluster')).toContain('1-15');
  });
  it('quote() shortens long values and hides control characters', () => {
    expect(v.quote('a'.repeat(100))).toHaveLength(62);
    expect(v.quote('a\nb')).toBe("'a?b'");
  });
});

describe('closest', () => {
  it('finds transpositions, hyphen parts and snake_case spellings', () => {
    expect(closest('fqnd', ['fqdn', 'mailto'])).toBe('fqdn');
    expect(closest('us', ['en-us', 'es', 'de'])).toBe('en-us');
    expect(closest('disk_list', ['disk-list', 'filter'])).toBe('disk-list');
    expect(closest('zzzzzz', ['fqdn'])).toBeUndefined();
  });
});
