// Hostile answer-file input (issue 10 §2): bytes that are not UTF-8, files that are too big, too
// deep, not regular files, syntax errors that must name file, line and key, and `--help`.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, MAX_PRINTED_ISSUES } from '../../../installer/cli.ts';
import { capture } from '../../helpers/capture.ts';
import {
  decodeAnswerBytes,
  firstInvalidUtf8,
  MAX_ANSWER_BYTES,
  readAnswerText,
} from '../../../installer/answers/read.ts';
import { keyAtLine, parseAnswers } from '../../../installer/answers/parse.ts';
import { formatIssue, UserError } from '../../../lib/errors.ts';
import { unreadableFile } from '../../../installer/commands/inputs.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BASE = readFileSync(path.join(root, 'test/golden/answers/ok/ext4-static.toml'), 'utf8');
const dir = mkdtempSync(path.join(tmpdir(), 'openve-hostile-'));
const file = (name: string, data: string | Buffer): string => {
  const p = path.join(dir, name);
  writeFileSync(p, data);
  return p;
};
const problems = (text: string) => {
  const r = parseAnswers(text);
  return r.ok ? [] : r.issues.map(formatIssue);
};
const userError = (f: () => unknown): string[] => {
  try {
    f();
  } catch (e) {
    if (e instanceof UserError) return e.issues.map(formatIssue);
    throw e;
  }
  throw new Error('no UserError');
};

const run = (...argv: string[]) => capture(() => main(argv));
afterEach(() => vi.restoreAllMocks());

describe('UTF-8', () => {
  it('refuses a Latin-1 byte with its line and column, never decoding it lossily', () => {
    const bytes = Buffer.from(BASE.replace('passw0rd-fixture', 'caf\u00e9-fixture'), 'latin1');
    const f = file('latin1.toml', bytes);
    expect(userError(() => readAnswerText(f))).toEqual([
      `${f}: line 8, column 21: the answer file is not valid UTF-8 (byte 0xe9); save it as UTF-8 (e.g. iconv -f latin1 -t utf-8)`,
    ]);
  });

  it('counts the column in characters, and accepts real UTF-8 and a byte-order mark', () => {
    const r = decodeAnswerBytes(
      Buffer.concat([Buffer.from('# é€😀\nx = "'), Buffer.from([0xff]), Buffer.from('"\n')]),
    );
    expect(r).toEqual({
      ok: false,
      issues: [{ path: 'line 2, column 6', message: expect.stringContaining('byte 0xff') }],
    });
    expect(decodeAnswerBytes(Buffer.from('\ufeffa = "é€😀"'))).toEqual({
      ok: true,
      value: 'a = "é€😀"',
    });
  });

  it('agrees with the WHATWG fatal decoder on every 1-4 byte sequence class', () => {
    const samples = [
      [0xc0, 0x80],
      [0xe0, 0x80, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf5, 0x80, 0x80, 0x80],
      [0x80],
      [0xc2],
      [0xe2, 0x82],
      [0xf0, 0x9f, 0x98],
      [0xc2, 0xa9],
      [0xef, 0xbf, 0xbf],
      [0xf0, 0x9f, 0x98, 0x80],
    ];
    const fatal = new TextDecoder('utf-8', { fatal: true });
    for (const s of samples) {
      let valid = true;
      try {
        fatal.decode(Uint8Array.from(s));
      } catch {
        valid = false;
      }
      expect(
        firstInvalidUtf8(Uint8Array.from(s)) === -1,
        s.map((b) => b.toString(16)).join(' '),
      ).toBe(valid);
    }
  });
});

describe('size, depth and kind of file', () => {
  it('refuses a file over 1 MiB without reading it, and /dev/zero, a FIFO and a directory', () => {
    const big = file('big.toml', Buffer.alloc(MAX_ANSWER_BYTES + 1, 0x20));
    expect(userError(() => readAnswerText(big))).toEqual([
      `${big}: too large for an answer file: at most 1048576 bytes (1 MiB) are read, this one has 1048577 bytes`,
    ]);
    expect(userError(() => readAnswerText('/dev/zero'))).toEqual([
      '/dev/zero: is a character device, not a regular file (expected an answer file in TOML)',
    ]);
    // the same words as the command-line checks (lib/fs.ts kindOf), which run before the read
    expect(unreadableFile('/dev/zero')).toBe('is a character device, not a regular file');
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const t0 = Date.now();
    expect(userError(() => readAnswerText(fifo, '--answer'))).toEqual([
      `--answer: ${fifo}: is a pipe (FIFO), not a regular file; save the answer to a file first (expected an answer file in TOML)`,
    ]);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(userError(() => readAnswerText(dir))).toEqual([
      `${dir}: is a directory (expected an answer file in TOML)`,
    ]);
  });

  it('refuses deep nesting with a clear message instead of overflowing the stack', () => {
    const dotted = `${BASE}\n[x]\n${Array(20000).fill('a').join('.')} = 1\n`;
    expect(problems(dotted)).toEqual([
      'line 21: a key with more than 16 dotted parts; an answer file needs at most 4 (e.g. network.interface-name-pinning.mapping)',
    ]);
    const header = `${BASE}\n[${Array(5000).fill('a').join('.')}]\nb = 1\n`;
    expect(problems(header)[0]).toMatch(/^line 20: a key with more than 16 dotted parts/);
    const tables = `${BASE}\n[${Array(17).fill('t').join('.')}]\nk = 1\n`;
    expect(problems(tables)).toEqual([
      'answer file: tables are nested more than 16 levels deep; an answer file needs at most 4',
    ]);
    const inline = `${BASE}\nx = ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    expect(problems(inline)[0]).toMatch(
      /^line 20, column \d+ \(disk-setup\.x\): invalid TOML: .*nested/,
    );
  });

  it('dots inside strings and comments do not count', () => {
    const text = `${BASE}# ${'.'.repeat(100)}\n`.replace(
      'mailto = "admin@example.com"',
      `mailto = "admin@${'a.'.repeat(30)}com"`,
    );
    expect(problems(text).join('\n')).not.toContain('dotted parts');
  });
});

describe('syntax errors name the file, the line and the key', () => {
  it('keyAtLine finds the table and key of a line', () => {
    const text = '[global]\nfqdn = node1\n\n[network.interface-name-pinning]\nmapping."aa" = x\n';
    expect(keyAtLine(text, 2)).toBe('global.fqdn');
    expect(keyAtLine(text, 5)).toBe('network.interface-name-pinning.mapping."aa"');
    expect(keyAtLine('[a\n', 1)).toBe('table header');
  });

  it('validate prints file: line, column (key): reason, never the value', async () => {
    const f = file(
      'syntax.toml',
      BASE.replace('root-password = "passw0rd-fixture"', 'root-password = passw0rd-fixture'),
    );
    const r = await run('validate', f);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `${f}: line 8, column 17 (global.root-password): invalid TOML: invalid value\n`,
    );
  });
});

describe('--help and the error cap', () => {
  it.each(['validate', 'schema', 'detect', 'plan', 'auto', 'build-iso', 'prepare-iso', 'locate'])(
    '%s --help exits 0 with its usage',
    async (cmd) => {
      for (const flag of ['--help', '-h']) {
        const r = await run(cmd, flag);
        expect(r).toMatchObject({ code: 0, err: '' });
        expect(r.out).toMatch(new RegExp(`^usage: openve-install ${cmd}`));
      }
      expect((await run('help', cmd)).out).toMatch(new RegExp(`^usage: openve-install ${cmd}`));
    },
  );

  it(`prints at most ${MAX_PRINTED_ISSUES} problems, then how many more`, async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `unknown${i} = 1`).join('\n');
    const r = await run(
      'validate',
      file('many.toml', BASE.replace('[network]', `${keys}\n[network]`)),
    );
    const lines = r.err.trimEnd().split('\n');
    expect(lines).toHaveLength(MAX_PRINTED_ISSUES + 1);
    expect(lines[0]).toBe(
      'global.unknown0: unknown key; valid keys here: keyboard, country, fqdn, mailto, timezone, root-password, root-password-hashed, root-ssh-keys, reboot-on-error, reboot-mode',
    );
    expect(lines.at(-1)).toBe('... and 1 more problem');
    // the 51st problem: unknown keys beyond the first 50 of a table are counted, not each suggested
    expect(problems(BASE.replace('[network]', `${keys}\n[network]`))).toContain(
      'global: and 250 more unknown keys',
    );
  });
});
