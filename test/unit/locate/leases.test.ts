import { describe, expect, it } from 'vitest';
import {
  renderAnswerUrlFile,
  parseAnswerUrlFile,
  parseDhclientLeases,
  parseNetworkdLease,
  parseResolvSearch,
} from '../../../installer/locate/leases.ts';

const FP = 'ab'.repeat(32);
const FP_CANON = Array(32).fill('AB').join(':');

describe('dhclient leases', () => {
  it('takes the answer URL and fingerprint from the newest lease that has one (Proxmox option names too)', () => {
    const text = `lease {
  interface "eth0";
  option openve-answer-url "http://old.example/answer";
}
lease {
  interface "eth0";
  fixed-address 10.0.2.15;
  option proxmox-auto-installer-manifest-url "https://10.0.2.2/answer";
  option proxmox-auto-installer-cert-fingerprint "${FP}";
  option domain-name "lab.example";
}
lease {
  interface "eth0";
  option domain-name "lab.example";
}
`;
    expect(parseDhclientLeases(text)).toEqual({ url: 'https://10.0.2.2/answer', fingerprint: FP });
  });
  it('decodes options dhclient did not know a name for (unknown-250 as hex bytes)', () => {
    const hex = Buffer.from('http://a/b')
      .toJSON()
      .data.map((b) => b.toString(16))
      .join(':');
    expect(parseDhclientLeases(`lease {\n  option unknown-250 ${hex};\n}\n`)).toEqual({
      url: 'http://a/b',
    });
  });
  it('finds nothing in leases without the option', () => {
    expect(parseDhclientLeases('lease {\n  option routers 10.0.2.2;\n}\n')).toEqual({});
    expect(parseDhclientLeases('')).toEqual({});
  });
});

describe('systemd-networkd lease', () => {
  it('decodes OPTION_250 / OPTION_251 hex', () => {
    const text = `# This is private data. Do not parse.\nADDRESS=10.0.2.15\nOPTION_250=${Buffer.from('https://h/a').toString('hex')}\nOPTION_251=${Buffer.from(FP).toString('hex')}\n`;
    expect(parseNetworkdLease(text)).toEqual({ url: 'https://h/a', fingerprint: FP });
    expect(parseNetworkdLease('ADDRESS=10.0.2.15\n')).toEqual({});
  });
});

describe('resolv.conf search domains', () => {
  it('lists search and domain entries once, in order', () => {
    expect(
      parseResolvSearch(
        'nameserver 10.0.2.3\nsearch lab.example corp.example\ndomain lab.example\n',
      ),
    ).toEqual(['lab.example', 'corp.example']);
    expect(parseResolvSearch('nameserver 1.1.1.1\n')).toEqual([]);
  });
});

describe('answer-url.txt', () => {
  it('takes a bare URL, or url= and fingerprint= lines, with comments', () => {
    expect(parseAnswerUrlFile('https://h/a\n')).toEqual({
      ok: true,
      value: { url: 'https://h/a' },
    });
    expect(parseAnswerUrlFile(`# answer server\nurl = https://h/a\nfingerprint=${FP}\n`)).toEqual({
      ok: true,
      value: { url: 'https://h/a', fingerprint: FP_CANON },
    });
    expect(parseAnswerUrlFile(`https://h/a\n${FP}\n`)).toEqual({
      ok: true,
      value: { url: 'https://h/a', fingerprint: FP_CANON },
    });
  });
  it('says what is wrong', () => {
    expect(parseAnswerUrlFile('')).toEqual({
      ok: false,
      message: 'no http:// or https:// URL in the file',
    });
    expect(parseAnswerUrlFile('https://a/\nfingerprint=12')).toEqual({
      ok: false,
      message: 'not a SHA-256 certificate fingerprint: "12"',
    });
    expect(parseAnswerUrlFile('ftp://x')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/unexpected line "ftp:\/\/x"/),
    });
    expect(parseAnswerUrlFile('http://a\nhttp://b')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/more than one URL/),
    });
  });
});

describe('values typed into DHCP/DNS configs', () => {
  it('lose surrounding quotes and spaces', async () => {
    const { cleanValue } = await import('../../../installer/locate/leases.ts');
    expect(cleanValue('"https://h/a"')).toBe('https://h/a');
    expect(cleanValue(` "'${FP}'" \0`)).toBe(FP);
    expect(parseNetworkdLease(`OPTION_251=${Buffer.from(`"${FP}"`).toString('hex')}\n`)).toEqual({
      fingerprint: FP,
    });
  });
});

describe('renderAnswerUrlFile', () => {
  it('round-trips through parseAnswerUrlFile', () => {
    expect(parseAnswerUrlFile(renderAnswerUrlFile('https://h:8443/a?x=1', FP))).toEqual({
      ok: true,
      value: { url: 'https://h:8443/a?x=1', fingerprint: FP_CANON },
    });
    expect(parseAnswerUrlFile(renderAnswerUrlFile('http://h/a'))).toEqual({
      ok: true,
      value: { url: 'http://h/a' },
    });
  });
});
