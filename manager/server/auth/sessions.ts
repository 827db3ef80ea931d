// Browser sessions, in the spirit of Proxmox's authentication tickets: the cookie is a ticket the
// manager signs (HMAC-SHA256 with a key made once, 0600, in the state dir), naming the user, when it
// was issued and a random nonce; the CSRF token is derived from the ticket with the same key. So a
// ticket is checked without any stored session, and logins survive a manager restart. A logout
// revokes the ticket: its nonce goes on a list persisted (atomically) in the state dir until the
// ticket would have expired anyway.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { readJson, writeJsonAtomic } from '../state.ts';

export interface Session {
  user: string;
  csrf: string;
  expires: number;
}

export const SESSION_COOKIE = 'openve_ticket';
export const CSRF_HEADER = 'x-openve-csrf';

// user:issued-seconds(hex):nonce:signature; user names never contain ':' (password.ts's rule)
const TICKET =
  /^([a-z_][a-z0-9_.-]{0,31}):([0-9a-f]{1,12}):([A-Za-z0-9_-]{22}):([A-Za-z0-9_-]{43})$/;

/** The signing key: 32 random bytes in `file` (0600), created once; never logged or sent. */
export function ticketKey(file: string): Buffer {
  if (!existsSync(file)) {
    // created complete under a temporary name, then linked: two starts never see half a key
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    try {
      linkSync(tmp, file);
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw e;
    } finally {
      unlinkSync(tmp);
    }
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length < 32)
    throw new Error(
      `${file}: not a ticket key (32 bytes, base64); remove it to make a new one (every browser logs in again)`,
    );
  return key;
}

export class SessionStore {
  /** revoked nonce -> when the ticket expires (ms) */
  private revoked: Record<string, number>;
  constructor(
    private readonly key: Buffer,
    private readonly revokedFile: string,
    private readonly ttlMs = 2 * 3600_000,
    private readonly now: () => number = Date.now,
  ) {
    this.revoked = readJson<Record<string, number>>(revokedFile, {});
  }

  private mac(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }

  create(user: string): { ticket: string; session: Session } {
    const issued = Math.floor(this.now() / 1000);
    const body = `${user}:${issued.toString(16)}:${randomBytes(16).toString('base64url')}`;
    const ticket = `${body}:${this.mac(`ticket:${body}`)}`;
    return {
      ticket,
      session: { user, csrf: this.mac(`csrf:${ticket}`), expires: issued * 1000 + this.ttlMs },
    };
  }

  /** The session a ticket stands for; null when it is malformed, forged, expired or revoked. */
  get(ticket: string): Session | null {
    const m = TICKET.exec(ticket);
    if (!m) return null;
    const [, user, issuedHex, nonce, sig] = m as unknown as [
      string,
      string,
      string,
      string,
      string,
    ];
    if (!sameSecret(sig, this.mac(`ticket:${user}:${issuedHex}:${nonce}`))) return null;
    const issued = parseInt(issuedHex, 16) * 1000;
    const now = this.now();
    // a ticket from the future (beyond a minute of clock skew) is as wrong as an expired one
    if (issued > now + 60_000 || now >= issued + this.ttlMs) return null;
    if (this.revoked[nonce] !== undefined) return null;
    return { user, csrf: this.mac(`csrf:${ticket}`), expires: issued + this.ttlMs };
  }

  /** Logout: the ticket is refused from now on, across restarts, until it would have expired. */
  delete(ticket: string): void {
    const session = this.get(ticket);
    if (!session) return;
    const nonce = (TICKET.exec(ticket) as RegExpExecArray)[3] as string;
    const now = this.now();
    const kept = Object.entries(this.revoked).filter(([, exp]) => exp > now);
    this.revoked = Object.fromEntries([...kept, [nonce, session.expires]]);
    writeJsonAtomic(this.revokedFile, this.revoked);
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
