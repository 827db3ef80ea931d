// prepare-iso's library entry (iso/prepare/prepare-iso.ts) reads the answer to embed as the
// answer-file reader does: bounded (MAX_ANSWER_BYTES), regular files only, strict UTF-8. Before,
// it read the whole file with readFile: /dev/zero filled memory, a 50 MB file was read whole and
// a Latin-1 byte became U+FFFD silently.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../lib/errors.ts';
import { recordingRunner } from '../../../lib/exec/recording.ts';
import { prepareIso, readAnswerBounded } from '../../../iso/prepare/prepare-iso.ts';
import { MAX_ANSWER_BYTES } from '../../../contracts/answers/limits.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'openve-inst-prepare-bound-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function message(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return (err as UserError).message;
}

describe('prepare-iso: the answer to embed is read bounded', () => {
  it('a file over 1 MiB is refused with its size, without reading it whole', async () => {
    const big = path.join(dir, 'big.toml');
    writeFileSync(big, Buffer.alloc(8 * 1024 * 1024, 0x61));
    const rssBefore = process.memoryUsage().rss;
    const t = performance.now();
    expect(await message(readAnswerBounded(big))).toBe(
      `--answer: ${big}: too large for an answer file: at most ${MAX_ANSWER_BYTES} bytes (1 MiB) are read, this one has ${8 * 1024 * 1024} bytes`,
    );
    expect(performance.now() - t).toBeLessThan(1000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(20 * 1024 * 1024);
  });

  it('/dev/zero and a directory are refused before a byte is read; Latin-1 is refused', async () => {
    expect(await message(readAnswerBounded('/dev/zero'))).toBe(
      '--answer: /dev/zero: is not a regular file (expected an answer file in TOML)',
    );
    expect(await message(readAnswerBounded(dir))).toBe(
      `--answer: ${dir}: is not a regular file (expected an answer file in TOML)`,
    );
    const latin1 = path.join(dir, 'latin1.toml');
    writeFileSync(latin1, Buffer.from('[global]\nroot-password = "p\xe4ssword"\n', 'latin1'));
    expect(await message(readAnswerBounded(latin1))).toMatch(/is not valid UTF-8/);
    expect(await message(readAnswerBounded(path.join(dir, 'missing.toml')))).toBe(
      `--answer: ${path.join(dir, 'missing.toml')}: no such file (expected an answer file in TOML)`,
    );
  });

  it('prepareIso() itself refuses the big answer before the answer check or any command', async () => {
    const big = path.join(dir, 'big2.toml');
    writeFileSync(big, 'x'.repeat(MAX_ANSWER_BYTES + 1));
    const r = recordingRunner();
    let checked = 0;
    const msg = await message(
      prepareIso(
        { inIso: path.join(dir, 'in.iso'), outIso: path.join(dir, 'out.iso'), answer: big },
        () => {
          checked++;
          return { ok: true, firstBootSource: undefined };
        },
        r,
      ),
    );
    expect(msg).toMatch(/^--answer: .*big2\.toml: too large for an answer file/);
    expect(checked).toBe(0);
    expect(r.calls).toEqual([]);
  });

  it('a small UTF-8 answer is read as it is', async () => {
    const ok = path.join(dir, 'ok.toml');
    writeFileSync(ok, '[global]\nkeyboard = "de"\n# grüße\n');
    expect(await readAnswerBounded(ok)).toBe('[global]\nkeyboard = "de"\n# grüße\n');
  });
});
