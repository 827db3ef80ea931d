// manager/server/web.ts: index.html never cached, hashed assets immutable and gzipped when
// accepted, nothing outside assets/, a clear 503 when the bundle is not built.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { registerWeb } from '../../../manager/server/web.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'openve-web-serve-'));
mkdirSync(path.join(dir, 'assets'));
writeFileSync(
  path.join(dir, 'index.html'),
  '<!doctype html><script src="/assets/app-ABC.js"></script>',
);
writeFileSync(path.join(dir, 'manifest.json'), '{}');
writeFileSync(path.join(dir, 'assets', 'app-ABC.js'), 'console.log(1)');
writeFileSync(path.join(dir, 'assets', 'app-ABC.js.gz'), gzipSync('console.log(1)'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function app(d: string | null) {
  const a = Fastify();
  registerWeb(a, d);
  await a.ready();
  return a;
}

describe('web interface files', () => {
  it('serves index.html with no-cache and a content security policy', async () => {
    const r = await (await app(dir)).inject({ url: '/' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
  });
  it('serves hashed assets immutable for a year, gzipped when accepted', async () => {
    const a = await app(dir);
    const gz = await a.inject({
      url: '/assets/app-ABC.js',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(gz.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(gz.headers['content-encoding']).toBe('gzip');
    const plain = await a.inject({ url: '/assets/app-ABC.js' });
    expect(plain.body).toBe('console.log(1)');
    expect(plain.headers['content-type']).toMatch(/^text\/javascript/);
  });
  it('serves nothing outside assets/ and no .gz by name', async () => {
    const a = await app(dir);
    for (const url of ['/assets/..%2Fmanifest.json', '/assets/app-ABC.js.gz', '/assets/nope.js'])
      expect((await a.inject({ url })).statusCode, url).toBe(404);
  });
  it('says how to build it when the bundle is missing', async () => {
    const r = await (await app(null)).inject({ url: '/' });
    expect(r.statusCode).toBe(503);
    expect(r.body).toContain('scripts/build-web.mjs');
  });
});
