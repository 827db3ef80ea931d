// File arguments of prepare-iso, plan, auto and build-iso (installer/commands/inputs.ts): every
// problem at once as `--flag: path: message`, and never a hang or an unbounded read: a real FIFO
// (no writer) and /dev/zero are refused without reading, each command answers in under 1 s.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../lib/errors.ts';
import { realRunner } from '../../../lib/exec/runner.ts';
import { resolveAutoOptions } from '../../../installer/commands/auto.ts';
import { run as buildIso } from '../../../installer/commands/build-iso.ts';
import { checkFileArgs } from '../../../installer/commands/inputs.ts';
import { run as plan } from '../../../installer/commands/plan.ts';
import { run as prepareIso } from '../../../installer/commands/prepare-iso.ts';
import { MAX_ANSWER_BYTES } from '../../../installer/answers/read.ts';

let dir: string;
let fifo: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'openve-ui-file-args-'));
  fifo = path.join(dir, 'answer.fifo');
  await realRunner().run(['mkfifo', fifo]);
  mkdirSync(path.join(dir, 'a-dir'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The command's UserError lines, and how long it took to refuse. */
async function refused(f: () => Promise<unknown>): Promise<{ lines: string[]; ms: number }> {
  const t = performance.now();
  let err: unknown = null;
  try {
    await f();
  } catch (e) {
    err = e;
  }
  const ms = performance.now() - t;
  expect(err).toBeInstanceOf(UserError);
  return { lines: (err as UserError).message.split('\n'), ms };
}

describe('file arguments: every problem at once, never a hang', () => {
  it('prepare-iso --in /nonexistent --answer x: names both (and --out)', async () => {
    const r = await refused(() =>
      prepareIso(['--in', '/nonexistent', '--answer', 'x', '--out', '/nonexistent-dir/o.iso']),
    );
    expect(r.lines).toEqual([
      '--in: /nonexistent: no such file',
      '--answer: x: no such file (expected an answer file in TOML)',
      '--out: /nonexistent-dir/o.iso: directory /nonexistent-dir does not exist',
    ]);
    expect(r.ms).toBeLessThan(1000);
  });

  it('prepare-iso: a FIFO, /dev/zero and a directory are refused without reading them', async () => {
    const d = path.join(dir, 'a-dir');
    const r = await refused(() =>
      prepareIso(['--in', fifo, '--answer', '/dev/zero', '--on-first-boot', d, '--out', d]),
    );
    expect(r.lines).toEqual([
      `--in: ${fifo}: is a pipe (FIFO), not a regular file`,
      '--answer: /dev/zero: is a character device, not a regular file (expected an answer file in TOML)',
      `--on-first-boot: ${d}: is a directory`,
      `--out: ${d}: is a directory`,
    ]);
    expect(r.ms).toBeLessThan(1000);
  });

  it('plan --answer FIFO --hardware /dev/zero: both', async () => {
    const r = await refused(() => plan(['--answer', fifo, '--hardware', '/dev/zero']));
    expect(r.lines).toEqual([
      `--answer: ${fifo}: is a pipe (FIFO), not a regular file (expected an answer file in TOML)`,
      `--hardware: /dev/zero: is a character device, not a regular file (expected a JSON file written by 'openve-install detect --json')`,
    ]);
    expect(r.ms).toBeLessThan(1000);
  });

  it('auto: answer, hardware, hook and payload problems together', async () => {
    const r = await refused(() =>
      resolveAutoOptions({
        answer: '/dev/zero',
        hardware: fifo,
        'first-boot-hook': '/nonexistent-hook',
        payload: '/nonexistent.tar.zst',
      }),
    );
    expect(r.lines).toEqual([
      '--answer: /dev/zero: is a character device, not a regular file (expected an answer file in TOML)',
      `--hardware: ${fifo}: is a pipe (FIFO), not a regular file (expected a JSON file written by 'openve-install detect --json')`,
      '--first-boot-hook: /nonexistent-hook: no such file',
      '--payload: /nonexistent.tar.zst: no such file',
    ]);
    expect(r.ms).toBeLessThan(1000);
  });

  it('build-iso: no --out, a FIFO answer, /dev/zero as the hook', async () => {
    const r = await refused(() => buildIso(['--answer', fifo, '--on-first-boot', '/dev/zero']));
    expect(r.lines).toEqual([
      '--out: required: where to write the ISO, e.g. dist/openve.iso',
      `--answer: ${fifo}: is a pipe (FIFO), not a regular file (expected an answer file in TOML)`,
      '--on-first-boot: /dev/zero: is a character device, not a regular file',
    ]);
    expect(r.ms).toBeLessThan(1000);
  });

  const ANSWER_OK = path.resolve(import.meta.dirname, '../../golden/answers/ok/ext4-static.toml');
  const FIXTURE_OK = path.resolve(import.meta.dirname, '../../fixtures/hardware/single-sata.json');

  it('auto --log: a directory, a missing directory, a device, a FIFO are refused before any work', async () => {
    const logRefusal = async (log: string) => {
      const r = await refused(() =>
        resolveAutoOptions({ answer: ANSWER_OK, hardware: FIXTURE_OK, log, 'dry-run': true }),
      );
      expect(r.ms).toBeLessThan(1000);
      return r.lines;
    };
    expect(await logRefusal(path.join(dir, 'a-dir'))).toEqual([
      `--log: ${path.join(dir, 'a-dir')}: is a directory`,
    ]);
    expect(await logRefusal(path.join(dir, 'missing', 'install.log'))).toEqual([
      `--log: ${path.join(dir, 'missing', 'install.log')}: directory ${path.join(dir, 'missing')} does not exist`,
    ]);
    expect(await logRefusal('/dev/zero')).toEqual([
      '--log: /dev/zero: is a character device, not a regular file',
    ]);
    expect(await logRefusal(fifo)).toEqual([
      `--log: ${fifo}: is a pipe (FIFO), not a regular file`,
    ]);
    const file = path.join(dir, 'answer.toml');
    writeFileSync(file, '');
    expect(await logRefusal(path.join(file, 'install.log'))).toEqual([
      `--log: ${path.join(file, 'install.log')}: ${file} is not a directory`,
    ]);
    // a good log path goes on (dry-run: nothing is touched)
    const ok = await resolveAutoOptions({
      answer: ANSWER_OK,
      hardware: FIXTURE_OK,
      log: path.join(dir, 'install.log'),
      'dry-run': true,
    });
    expect(ok.logPath).toBe(path.join(dir, 'install.log'));
  });

  it('build-iso --out: a directory, a device, a FIFO, a file on the way are refused at once; missing directories under a writable one are fine', async () => {
    const outRefusal = async (out: string) => {
      const r = await refused(() => buildIso(['--out', out]));
      expect(r.ms).toBeLessThan(1000);
      return r.lines;
    };
    expect(await outRefusal(path.join(dir, 'a-dir'))).toEqual([
      `--out: ${path.join(dir, 'a-dir')}: is a directory`,
    ]);
    expect(await outRefusal('/dev/null')).toEqual([
      '--out: /dev/null: is a character device, not a regular file',
    ]);
    expect(await outRefusal(fifo)).toEqual([
      `--out: ${fifo}: is a pipe (FIFO), not a regular file`,
    ]);
    const file = path.join(dir, 'plain-file');
    writeFileSync(file, '');
    expect(await outRefusal(path.join(file, 'sub', 'o.iso'))).toEqual([
      `--out: ${path.join(file, 'sub', 'o.iso')}: ${file} is not a directory`,
    ]);
    expect(
      checkFileArgs([
        { flag: '--out', file: path.join(dir, 'new', 'deeper', 'o.iso'), kind: 'output-mkdir' },
        { flag: '--log', file: path.join(dir, 'new', 'o.log'), kind: 'output' },
      ]),
    ).toEqual([
      {
        path: '--log',
        message: `${path.join(dir, 'new', 'o.log')}: directory ${path.join(dir, 'new')} does not exist`,
      },
    ]);
  });

  it.skipIf(process.getuid?.() === 0)('an output in a directory without write permission', () => {
    const ro = path.join(dir, 'read-only');
    mkdirSync(ro, { mode: 0o555 });
    expect(
      checkFileArgs([{ flag: '--log', file: path.join(ro, 'x.log'), kind: 'output' }]),
    ).toEqual([
      { path: '--log', message: `${path.join(ro, 'x.log')}: directory ${ro} is not writable` },
    ]);
  });

  it('text files: strict UTF-8 with line and column, the answer size cap', () => {
    const latin1 = path.join(dir, 'latin1.toml');
    writeFileSync(latin1, Buffer.from('[global]\nroot-password = "p\xe4ss"\n', 'latin1'));
    const big = path.join(dir, 'big.toml');
    writeFileSync(big, 'x'.repeat(MAX_ANSWER_BYTES + 1));
    const issues = checkFileArgs([
      { flag: '--answer', file: latin1, kind: 'text' },
      { flag: '--hardware', file: big, kind: 'text' },
      { flag: '--in', file: '', kind: 'file' },
    ]);
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      expect.stringMatching(
        new RegExp(`^--answer: ${latin1}: line 2, column 19: not valid UTF-8 \\(byte 0xe4\\)`),
      ),
      expect.stringMatching(new RegExp(`^--hardware: ${big}: too large`)),
      '--in: empty file name',
    ]);
  });

  it.skipIf(process.getuid?.() === 0)('a file without read permission', () => {
    const f = path.join(dir, 'secret.toml');
    writeFileSync(f, 'x', { mode: 0o000 });
    expect(checkFileArgs([{ flag: '--answer', file: f, kind: 'text' }])).toEqual([
      { path: '--answer', message: `${f}: not readable (permission denied)` },
    ]);
  });
});
