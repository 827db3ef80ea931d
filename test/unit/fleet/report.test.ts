// `openve-install report`: never fails the install (exit 0, stdin read to the end), but says on
// stderr, once per kind, what keeps progress from reaching the server, and never prints the URL's
// secrets (userinfo, ?token= values, the per-machine token in /progress/TOKEN).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { checkTarget, redact, run } from '../../../provision/fleet/report.ts';

const TOKEN = 'tok3nS3cretPerMachine';
const FP = 'AB:'.repeat(31) + 'AB';
const EVENTS = [
  'some installer chatter',
  JSON.stringify({ type: 'progress', ratio: 0.5, step: 'extract', text: 'Copying' }),
  JSON.stringify({ type: 'finished', ok: false, seconds: 3 }),
];

function lines(n = 1): Readable {
  const all: string[] = [];
  for (let i = 0; i < n; i++) all.push(...EVENTS);
  return Readable.from(all.map((l) => `${l}\n`));
}

async function report(args: string[], stdin = lines()) {
  let err = '';
  const code = await run(args, { stdin, stderr: { write: (t: string) => (err += t) } });
  return { code, err, drained: stdin.readableEnded };
}

const servers: http.Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));
async function server(status: number): Promise<{ port: number; bodies: string[] }> {
  const bodies: string[] = [];
  const s = http.createServer((req, res) => {
    let b = '';
    req.on('data', (c: Buffer) => (b += c.toString()));
    req.on('end', () => {
      bodies.push(`${req.url} ${b}`);
      res.writeHead(status).end();
    });
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { port: (s.address() as AddressInfo).port, bodies };
}

function expectNoSecret(text: string) {
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain('hunter2');
  expect(text).not.toContain('qtok99');
}

describe('openve-install report: warnings, exit 0', () => {
  it('redacts userinfo, token query values and the path token', () => {
    const url = `https://admin:hunter2@fleet.example/progress/${TOKEN}?token=qtok99&x=1`;
    const r = redact(`failed: ${url} and /log/${TOKEN}`, url);
    expectNoSecret(r);
    expect(r).toContain('https://***@fleet.example/progress/***?token=***&x=1');
    expect(r).toContain('/log/***');
    // even without the URL to learn from
    expectNoSecret(redact(`GET http://u:hunter2@h/progress/${TOKEN}?token=qtok99`));
  });

  it('checks --url and --fingerprint', () => {
    expect(checkTarget(undefined, undefined)?.kind).toBe('url');
    expect(checkTarget('not a url', undefined)?.kind).toBe('url');
    expect(checkTarget('ftp://h/progress/x', undefined)?.kind).toBe('url');
    expect(checkTarget('https://h/somewhere', undefined)?.kind).toBe('url');
    expect(checkTarget('https://h/progress/x', 'zz')?.kind).toBe('fingerprint');
    expect(checkTarget('http://h/progress/x', FP)?.kind).toBe('fingerprint');
    expect(checkTarget('https://h/progress/x', FP)).toBeNull();
    expect(checkTarget('https://h/progress/x', '')).toBeNull(); // live-start passes "" for none
  });

  it('a missing --url: one warning, stdin read to the end, exit 0', async () => {
    const r = await report([], lines(50));
    expect(r.code).toBe(0);
    expect(r.drained).toBe(true);
    expect(r.err).toBe(
      'openve-install report: warning: --url: missing; progress is not reported to the server\n',
    );
  });

  it('a bad --url: named, secrets redacted, exit 0', async () => {
    const r = await report(['--url', `htps//admin:hunter2@fleet/progress/${TOKEN}?token=qtok99`]);
    expect(r.code).toBe(0);
    expect(r.drained).toBe(true);
    expect(r.err).toMatch(/^openve-install report: warning: --url: .*progress is not reported\n$/);
    expectNoSecret(r.err);
  });

  it('a bad --fingerprint: nothing posted (the token never goes out unpinned), exit 0', async () => {
    const srv = await server(200);
    const r = await report([
      '--url',
      `http://127.0.0.1:${srv.port}/progress/${TOKEN}`,
      '--fingerprint',
      'nothex',
    ]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/warning: --fingerprint: not a SHA-256 fingerprint/);
    expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(srv.bodies).toEqual([]);
    expectNoSecret(r.err);
  });

  it('unknown options: warned, still exit 0 and stdin drained', async () => {
    const r = await report(['--url', `https://a:hunter2@h/progress/${TOKEN}`, '--bogus']);
    expect(r.code).toBe(0);
    expect(r.drained).toBe(true);
    expect(r.err).toMatch(/warning: .*--bogus/);
    expectNoSecret(r.err);
  });

  it('failing posts (HTTP 500): one warning for the kind and a count, no secret, exit 0', async () => {
    const srv = await server(500);
    const url = `http://admin:hunter2@127.0.0.1:${srv.port}/progress/${TOKEN}?token=qtok99`;
    const log = '/nonexistent/openve-install.log';
    const r = await report(['--url', url, '--log', log], lines(3));
    expect(r.code).toBe(0);
    expect(srv.bodies.length).toBeGreaterThanOrEqual(2); // the events, then the log tail
    expect(srv.bodies.some((b) => b.startsWith(`/log/${TOKEN}`))).toBe(true);
    const warnings = r.err.split('\n').filter(Boolean);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/posting progress failed \(http-status\).*the install goes on/);
    expect(warnings[1]).toMatch(/\d+ of \d+ posts to the server failed/);
    expectNoSecret(r.err);
  });

  it('an unreachable server: a network warning, once, exit 0', async () => {
    const srv = await server(200);
    const port = srv.port;
    await new Promise<void>((r) => servers.pop()!.close(() => r()));
    const r = await report(['--url', `http://127.0.0.1:${port}/progress/${TOKEN}`, '--log', '/x']);
    expect(r.code).toBe(0);
    const warnings = r.err.split('\n').filter(Boolean);
    expect(warnings.filter((w) => w.includes('(network)'))).toHaveLength(1);
    expectNoSecret(r.err);
  });

  it('a working server: no warning at all', async () => {
    const srv = await server(200);
    const r = await report(['--url', `http://127.0.0.1:${srv.port}/progress/${TOKEN}`]);
    expect(r).toEqual({ code: 0, err: '', drained: true });
    expect(srv.bodies.join('')).toContain('"type":"finished"');
  });
});
