// `openve-install auto` reports every problem at once, like `validate` (issue 10 §3): a missing
// payload, a wrong disk and a NIC filter matching nothing come out together, one line each.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { autoInstall, resolveAutoOptions } from '../../../installer/commands/auto.ts';
import { UserError } from '../../../lib/errors.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const answer = path.join(root, 'test/golden/answers/fail/plan-disk-and-nic.toml');
const hardware = path.join(root, 'test/fixtures/hardware/single-sata.json');

describe('auto: every problem at once', () => {
  it('payload AND disk AND network problems in one error', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openve-auto-'));
    const opts = await resolveAutoOptions({
      answer,
      hardware,
      payload: path.join(dir, 'missing.squashfs'),
      yes: true,
      log: path.join(dir, 'log'),
    });
    const err = await autoInstall(opts, { write: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).issues.map((i) => i.path)).toEqual([
      '--payload',
      'disk-setup.disk-list[0]',
      'network.filter',
    ]);
  });

  it('a broken answer file is reported together with the payload problem', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openve-auto-'));
    const bad = path.join(dir, 'a.toml');
    writeFileSync(bad, '[global]\nkeyboard = "en-us"\n');
    const opts = await resolveAutoOptions({
      answer: bad,
      hardware,
      payload: path.join(dir, 'p.zip'),
      yes: true,
    });
    const err = (await autoInstall(opts, { write: () => {} }).catch(
      (e: unknown) => e,
    )) as UserError;
    expect(err.issues[0]).toEqual({
      path: '--payload',
      message: `${path.join(dir, 'p.zip')}: unknown payload format (expected .squashfs, .tar.zst or .tar)`,
    });
    expect(err.issues.length).toBeGreaterThan(1);
  });

  it('without confirmation, the wipe refusal comes with the other problems', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openve-auto-'));
    const ok = path.join(root, 'test/golden/answers/ok/btrfs-raid0-single.toml');
    const opts = await resolveAutoOptions({
      answer: ok,
      hardware,
      payload: path.join(dir, 'missing.squashfs'),
    });
    const err = (await autoInstall({ ...opts, confirmed: false }, { write: () => {} }).catch(
      (e: unknown) => e,
    )) as UserError;
    expect(err.issues.map((i) => i.path)).toEqual(['--payload', 'auto']);
  });
});
