// Browser sessions: a random ticket in an HttpOnly cookie plus a CSRF token that the page sends
// back in a header on every state-changing request. Kept in memory: a restart logs users out.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface Session {
  user: string;
  csrf: string;
  expires: number;
}

export const SESSION_COOKIE = 'openve_ticket';
export const CSRF_HEADER = 'x-openve-csrf';

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  constructor(private readonly ttlMs = 2 * 3600_000) {}

  create(user: string): { ticket: string; session: Session } {
    const ticket = randomBytes(32).toString('base64url');
    const session = {
      user,
      csrf: randomBytes(24).toString('base64url'),
      expires: Date.now() + this.ttlMs,
    };
    this.sessions.set(ticket, session);
    return { ticket, session };
  }

  get(ticket: string): Session | null {
    const s = this.sessions.get(ticket);
    if (!s) return null;
    if (s.expires < Date.now()) {
      this.sessions.delete(ticket);
      return null;
    }
    return s;
  }

  delete(ticket: string): void {
    this.sessions.delete(ticket);
  }
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Failed logins per (address, user): `max` failures in `windowMs` lock that pair until the window passes. */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  constructor(
    private readonly max = 5,
    private readonly windowMs = 60_000,
  ) {}
  private recent(key: string): number[] {
    const now = Date.now();
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }
  blocked(key: string): boolean {
    return this.recent(key).length >= this.max;
  }
  fail(key: string): void {
    this.failures.set(key, [...this.recent(key), Date.now()]);
  }
  succeed(key: string): void {
    this.failures.delete(key);
  }
}
