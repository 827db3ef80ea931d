// The serial console WebSocket: authenticated like every route, and a refusal (not running, no
// such VM) comes back as a close code 4000 + HTTP status with `path: message`, never a stack.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openPty } from '../../../manager/server/consoles.ts';
import { testManager, type TestManager } from './helpers.ts';

let t: TestManager;
let ca: string;
beforeAll(async () => {
  t = await testManager();
  ca = readFileSync(t.m.certFile, 'utf8');
}, 60_000);
afterAll(async () => t?.close());

function outcome(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status?: number; code?: number; reason?: string }>((res) => {
    const ws = new WebSocket(url, { ca, headers });
    ws.once('unexpected-response', (_req, r) => res({ status: r.statusCode }));
    ws.once('close', (code, reason) => res({ code, reason: String(reason) }));
    ws.once('error', () => {});
  });
}

describe('serial console WebSocket', () => {
  it('refuses a client without credentials with 401', async () => {
    const url = `${t.m.url.replace('https', 'wss')}/api/v1/nodes/${t.node}/vms/100/serial`;
    expect(await outcome(url)).toEqual({ status: 401 });
  });

  it('closes with 4404 for an unknown VM and 4400 for a bad id, naming the field', async () => {
    const auth = { authorization: `Bearer ${t.m.rootToken}` };
    const base = `${t.m.url.replace('https', 'wss')}/api/v1/nodes/${t.node}/vms`;
    expect(await outcome(`${base}/4242/serial`, auth)).toMatchObject({
      code: 4404,
      reason: expect.stringContaining('id: no VM 4242'),
    });
    expect(await outcome(`${base}/abc/serial`, auth)).toMatchObject({
      code: 4400,
      reason: expect.stringMatching(/^id: /),
    });
  });

  it('opens only pty devices', () => {
    expect(() => openPty('/etc/shadow')).toThrow('not a pty');
  });
});
