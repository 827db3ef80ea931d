// `openve iso ...` / `openve template ...`: the storage commands for one kind of content on the
// storage that holds it, against a manager over TLS; usage errors name what is missing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { imageToStorage } from '../../../manager/cli/images.ts';
import { testManager, type TestManager } from './helpers.ts';
import { runCli } from '../../helpers/manager.ts';

let t: TestManager;
let work: string;
beforeAll(async () => {
  t = await testManager({ uploadLimit: 8 << 20 });
  work = mkdtempSync(path.join(os.tmpdir(), 'openve-cli-images-'));
}, 60_000);
afterAll(async () => {
  await t?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(t.m, ...args);

describe('imageToStorage', () => {
  it('maps each verb onto the storage command with the content kind', () => {
    const list = imageToStorage('iso', ['iso', 'list']);
    expect(list.content).toBe('iso');
    expect(list.pos('local')).toEqual(['storage', 'content', 'local']);
    const upload = imageToStorage('template', ['template', 'upload', 'a.tar.zst']);
    expect(upload.content).toBe('vztmpl');
    expect(upload.pos('local')).toEqual(['storage', 'upload', 'local', 'a.tar.zst']);
    expect(imageToStorage('iso', ['iso', 'delete', 'x.iso']).pos('s2')).toEqual([
      'storage',
      'delete',
      's2',
      'x.iso',
    ]);
  });
  it('names the missing verb or argument', () => {
    expect(() => imageToStorage('iso', ['iso'])).toThrow(
      /iso: give one of list, upload, download, delete.*got nothing/,
    );
    expect(() => imageToStorage('iso', ['iso', 'remove', 'x'])).toThrow(/got 'remove'/);
    expect(() => imageToStorage('template', ['template', 'download'])).toThrow(
      /^name: e\.g\. openve template download NAME/,
    );
    expect(() => imageToStorage('iso', ['iso', 'upload'])).toThrow(/^file: /);
  });
});

describe('openve iso / template', () => {
  it('uploads, lists, downloads and deletes an ISO on the storage that holds ISOs', async () => {
    const file = path.join(work, 'tiny.iso');
    const body = randomBytes(64 << 10);
    writeFileSync(file, body);
    const up = await cli('iso', 'upload', file);
    expect(up.code, up.err).toBe(0);
    expect(up.out).toMatch(/^local:iso\/tiny\.iso 64\.0 KiB sha256 [0-9a-f]{64}\n$/);

    const list = await cli('--json', 'iso', 'list');
    expect(list.code, list.err).toBe(0);
    expect(JSON.parse(list.out)).toEqual([
      expect.objectContaining({ volid: 'local:iso/tiny.iso', content: 'iso' }),
    ]);
    // templates are listed apart
    const tl = await cli('--json', 'template', 'list');
    expect(tl.code, tl.err).toBe(0);
    expect(JSON.parse(tl.out)).not.toContainEqual(
      expect.objectContaining({ volid: 'local:iso/tiny.iso' }),
    );

    const back = path.join(work, 'back.iso');
    const down = await cli('iso', 'download', 'tiny.iso', '--output', back);
    expect(down.code, down.err).toBe(0);
    expect(readFileSync(back).equals(body)).toBe(true);

    const del = await cli('iso', 'delete', 'tiny.iso');
    expect(del.code, del.err).toBe(0);
    const after = await cli('--json', 'iso', 'list');
    expect(JSON.parse(after.out)).toEqual([]);
    expect(existsSync(back)).toBe(true);
  });

  it('refuses an unknown storage (exit 1) and a missing name (usage, exit 2) with field: message', async () => {
    const none = await cli('iso', 'list', '--storage', 'nope');
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/nope/);
    expect(none.err).not.toMatch(/\n\s+at /);
    const miss = await cli('template', 'delete');
    expect(miss.code).toBe(2);
    expect(miss.err).toMatch(/^name: e\.g\. openve template delete NAME/m);
  });
});
