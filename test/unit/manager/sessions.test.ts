// Signed login tickets (auth/sessions.ts): verified without stored sessions, by a second store
// over the same key (a restart); expiry, tampering and logout with a fake clock.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SessionStore, ticketKey } from '../../../manager/server/auth/sessions.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'openve-sessions-'));
const keyFile = path.join(dir, 'ticket.key');
const revoked = path.join(dir, 'revoked.json');

describe('login tickets', () => {
  it('makes the key once, 0600, and reads the same key again', () => {
    const a = ticketKey(keyFile);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(ticketKey(keyFile).equals(a)).toBe(true);
  });

  it('a ticket and its CSRF token hold in a new store over the same key, until 2 h have passed', () => {
    let now = Date.UTC(2026, 11, 2, 12);
    const clock = () => now;
    const { ticket, session } = new SessionStore(
      ticketKey(keyFile),
      revoked,
      7200_000,
      clock,
    ).create('alice');
    const again = new SessionStore(ticketKey(keyFile), revoked, 7200_000, clock);
    expect(again.get(ticket)).toEqual(session);
    now += 7199_000;
    expect(again.get(ticket)?.user).toBe('alice');
    now += 1000;
    expect(again.get(ticket)).toBeNull();
  });

  it('refuses a changed user, a changed time, another key and garbage', () => {
    const store = new SessionStore(ticketKey(keyFile), revoked);
    const { ticket } = store.create('alice');
    const [, t, n, sig] = ticket.split(':');
    expect(store.get(`root:${t}:${n}:${sig}`)).toBeNull();
    expect(
      store.get(`alice:${(parseInt(t as string, 16) + 1).toString(16)}:${n}:${sig}`),
    ).toBeNull();
    expect(new SessionStore(Buffer.alloc(32, 1), revoked).get(ticket)).toBeNull();
    expect(store.get('')).toBeNull();
    expect(store.get(`${ticket}x`)).toBeNull();
  });

  it('a logout revokes the ticket for every store reading the same state, and only that ticket', () => {
    const store = new SessionStore(ticketKey(keyFile), revoked);
    const a = store.create('alice');
    const b = store.create('alice');
    store.delete(a.ticket);
    expect(store.get(a.ticket)).toBeNull();
    expect(store.get(b.ticket)?.user).toBe('alice');
    const after = new SessionStore(ticketKey(keyFile), revoked);
    expect(after.get(a.ticket)).toBeNull();
    expect(after.get(b.ticket)?.user).toBe('alice');
  });
});
