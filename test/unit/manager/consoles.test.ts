// The serial console WebSocket: authenticated like every route, and a refusal (not running, no
// such VM) comes back as a close code 4000 + HTTP status with `path: message`, never a stack.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openPty, TicketStore, vncWebsocketPort } from '../../../manager/server/consoles.ts';
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

describe('VNC tickets', () => {
  it('are good once, for one target, for 30 s', () => {
    let now = 0;
    const t = new TicketStore(30_000, () => now);
    const a = t.issue('vm/100', 'root');
    expect(a.expiresInS).toBe(30);
    expect(t.take(a.ticket, 'vm/100')).toBe('root');
    expect(t.take(a.ticket, 'vm/100')).toBeNull();
    const b = t.issue('vm/100', 'root');
    expect(t.take(b.ticket, 'vm/101')).toBeNull();
    expect(t.take(b.ticket, 'vm/100')).toBeNull();
    const c = t.issue('vm/100', 'root');
    now = 30_000;
    expect(t.take(c.ticket, 'vm/100')).toBeNull();
  });

  it('reads the websocket port from the live domain XML', () => {
    const xml = `<devices><graphics type='vnc' port='5900' autoport='yes' websocket='5700' listen='127.0.0.1'>`;
    expect(vncWebsocketPort(xml)).toBe(5700);
    expect(vncWebsocketPort(`<graphics type='vnc' port='-1' websocket='-1'>`)).toBeNull();
    expect(vncWebsocketPort('<devices/>')).toBeNull();
  });

  it('the WebSocket takes a ticket once: a reused ticket is refused with 4401', async () => {
    const auth = { authorization: `Bearer ${t.m.rootToken}` };
    const created = await t.m.app.inject({
      method: 'POST',
      url: `/api/v1/nodes/${t.node}/vms`,
      headers: auth,
      payload: { name: 'vnc', memory: 128, nics: [] },
    });
    const { id, task } = (JSON.parse(created.body) as { data: { id: number; task: string } }).data;
    await t.m.services.tasks.wait(task);
    const noAuth = await t.m.app.inject({
      method: 'POST',
      url: `/api/v1/nodes/${t.node}/vms/${id}/vnc`,
    });
    expect(noAuth.statusCode).toBe(401);
    const got = await t.m.app.inject({
      method: 'POST',
      url: `/api/v1/nodes/${t.node}/vms/${id}/vnc`,
      headers: auth,
    });
    expect(got.statusCode).toBe(200);
    const { ticket } = (JSON.parse(got.body) as { data: { ticket: string } }).data;
    const url = `${t.m.url.replace('https', 'wss')}/api/v1/nodes/${t.node}/vms/${id}/vnc?ticket=${ticket}`;
    // the recording runner's libvirt knows no running domain: the ticket is used up on a 409
    expect(await outcome(url)).toMatchObject({
      code: 4409,
      reason: expect.stringContaining('state:'),
    });
    expect(await outcome(url)).toMatchObject({
      code: 4401,
      reason: expect.stringContaining('ticket:'),
    });
    expect(
      await outcome(`${t.m.url.replace('https', 'wss')}/api/v1/nodes/${t.node}/vms/${id}/vnc`),
    ).toMatchObject({ code: 4400, reason: expect.stringContaining('ticket:') });
  });
});
