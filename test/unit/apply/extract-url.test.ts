// A payload given as a URL (network installs: `openve-install serve` hands out
// openve.payload=http://SERVER/openve/payload.tar.zst) is streamed from HTTP into tar, never stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRunner } from '../../../lib/exec/index.ts';
import { newState, type ApplyContext } from '../../../installer/apply/context.ts';
import { handlers } from '../../../installer/apply/handlers/index.ts';
import {
  extractArgs,
  isPayloadUrl,
  payloadFormat,
} from '../../../installer/apply/handlers/extract.ts';
import { findPayload } from '../../../installer/commands/auto.ts';
import type { Step } from '../../../contracts/plan/types.ts';

const runner = createRunner('real');
let dir = '';
let server: http.Server;
let base = '';
const requests: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fleet-extract-url-'));
  mkdirSync(path.join(dir, 'src/etc'), { recursive: true });
  writeFileSync(path.join(dir, 'src/etc/hostname'), 'payload-node\n');
  writeFileSync(path.join(dir, 'src/big'), Buffer.alloc(8 * 1024 * 1024, 1));
  await runner.run([
    'tar',
    '--zstd',
    '-cf',
    path.join(dir, 'p.tar.zst'),
    '-C',
    path.join(dir, 'src'),
    '.',
  ]);
  const archive = readFileSync(path.join(dir, 'p.tar.zst'));
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/openve/payload.tar.zst') res.end(archive);
    else if (req.url === '/openve/payload.tar.zst.size') res.end(`${8 * 1024 * 1024 + 20480}\n`);
    else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function ctxFor(payload: string, target: string): ApplyContext & { fractions: number[] } {
  const fractions: number[] = [];
  return {
    runner,
    target,
    payload,
    secrets: { rootPassword: { kind: 'plain', value: 'x-fixture' }, clusterToken: 't' },
    firstBootHook: null,
    installLogPath: path.join(dir, 'install.log'),
    answerRedacted: '',
    emit: () => {},
    log: () => {},
    deviceTimeoutMs: 50,
    progress: (f) => fractions.push(f),
    noFsync: [],
    state: newState(),
    fractions,
  } as ApplyContext & { fractions: number[] };
}

const step = { title: 't', weight: 1, id: 'extract:payload', kind: 'extract', source: 'payload' };
const run = (ctx: ApplyContext) =>
  (handlers.extract as (s: Step, c: ApplyContext) => Promise<void>)(step as Step, ctx);

describe('extract: a payload URL', () => {
  it('is recognised and read by tar from stdin', () => {
    const url = 'http://10.88.0.1/openve/payload.tar.zst';
    expect(isPayloadUrl(url)).toBe(true);
    expect(payloadFormat(url)).toBe('tar.zst');
    expect(extractArgs(url, '/target').slice(0, 4)).toEqual(['tar', '--zstd', '-xpf', '-']);
    expect(() => extractArgs('http://s/p.squashfs', '/t')).toThrow(/cannot be streamed/);
    // auto --payload URL: accepted as given (no file to check on the live system)
    expect(findPayload(url, undefined, false, [])).toBe(url);
  });

  it('streams the archive from the server onto the target, with progress from URL.size', async () => {
    const target = path.join(dir, 'target');
    mkdirSync(target);
    const ctx = ctxFor(`${base}/openve/payload.tar.zst`, target);
    await run(ctx);
    expect(readFileSync(path.join(target, 'etc/hostname'), 'utf8')).toBe('payload-node\n');
    expect(readFileSync(path.join(target, 'big')).length).toBe(8 * 1024 * 1024);
    expect(requests).toContain('/openve/payload.tar.zst.size');
    // checkpoints every 2 MiB against the recorded size: progress moved before the end
    expect(ctx.fractions.some((f) => f > 0 && f < 0.9)).toBe(true);
    expect(ctx.fractions.at(-1)).toBe(1);
  });

  it('fails naming the URL and the HTTP status', async () => {
    const target = path.join(dir, 'target2');
    mkdirSync(target);
    await expect(run(ctxFor(`${base}/missing.tar.zst`, target))).rejects.toThrow(
      /extract:payload: payload http:\/\/127\.0\.0\.1:\d+\/missing\.tar\.zst: HTTP 404/,
    );
  });
});
