// `openve storage ...` against a manager over TLS: list, upload with progress and the SHA-256
// checked by the node, content, download checked against X-Checksum-Sha256, refusals as field: message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { humanBytes, progressPrinter } from '../../../manager/cli/storage.ts';
import { testManager, type TestManager } from './helpers.ts';
import { runCli } from '../../helpers/manager.ts';

let t: TestManager;
let work: string;
beforeAll(async () => {
  t = await testManager({ uploadLimit: 8 << 20 });
  work = mkdtempSync(path.join(os.tmpdir(), 'openve-cli-storage-'));
}, 60_000);
afterAll(async () => {
  await t?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(t.m, ...args);

describe('openve storage', () => {
  it('lists storages with usage', async () => {
    const r = await cli('storage', 'list');
    expect(r.code, r.err).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(
      /^ID\s+TYPE\s+CONTENT\s+TOTAL\s+USED\s+AVAIL\s+%\s+ACTIVE$/,
    );
    expect(r.out).toMatch(/local\s+dir\s+images,rootdir,iso,vztmpl\s+[\d.]+ [KMGT]iB/);
  });

  it('uploads with progress, lists, downloads with the checksum checked', async () => {
    const file = path.join(work, 'small.iso');
    const body = randomBytes(3 << 20);
    writeFileSync(file, body);
    const sha = createHash('sha256').update(body).digest('hex');
    const up = await cli('storage', 'upload', 'local', file, '--content', 'iso');
    expect(up.code, up.err).toBe(0);
    expect(up.out).toBe(`local:iso/small.iso 3.0 MiB sha256 ${sha}\n`);
    expect(up.err).toMatch(/upload small\.iso: 100% \(3\.0 MiB of 3\.0 MiB\)\n$/);

    const list = await cli('--json', 'storage', 'content', 'local', '--content', 'iso');
    expect(JSON.parse(list.out)).toEqual([
      expect.objectContaining({ volid: 'local:iso/small.iso', size: 3 << 20 }),
    ]);

    const out = path.join(work, 'back.iso');
    const down = await cli(
      'storage',
      'download',
      'local',
      'small.iso',
      '--content',
      'iso',
      '--output',
      out,
    );
    expect(down.code, down.err).toBe(0);
    expect(down.out).toContain(`sha256 ${sha} (checked)`);
    expect(readFileSync(out).equals(body)).toBe(true);
  });

  it('reports refusals as field: message', async () => {
    const file = path.join(work, 'other.iso');
    writeFileSync(file, 'x');
    const bad = await cli(
      'storage',
      'upload',
      'local',
      file,
      '--content',
      'iso',
      '--sha256',
      'f'.repeat(64),
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^sha256: does not match/m);
    const big = path.join(work, 'big.iso');
    writeFileSync(big, Buffer.alloc(9 << 20));
    const tooBig = await cli('storage', 'upload', 'local', big, '--content', 'iso');
    expect(tooBig.code, tooBig.err).toBe(1);
    expect(tooBig.err).toMatch(/^\(body\): is 9437184 bytes: the limit is 8388608 bytes/m);
    const noKind = await cli('storage', 'upload', 'local', file);
    expect(noKind.code).toBe(2);
    expect(noKind.err).toMatch(/^content: /);
  });

  it('prints progress at most twice a second, and at the end', () => {
    const lines: string[] = [];
    let now = 0;
    const p = progressPrinter(
      'x.iso',
      (l) => lines.push(l),
      false,
      () => now,
    );
    for (let i = 1; i <= 10; i++) {
      now += 100;
      p(i * 100, 1000);
    }
    expect(lines).toEqual([
      'upload x.iso: 10% (100 B of 1000 B)\n',
      'upload x.iso: 60% (600 B of 1000 B)\n',
      'upload x.iso: 100% (1000 B of 1000 B)\n',
    ]);
    expect(humanBytes(1536)).toBe('1.5 KiB');
  });
});
