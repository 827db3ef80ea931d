// Terminal streams for the WebSocket consoles. A VM's serial port is a libvirt `pty` (its path
// from `virsh ttyconsole`): the manager opens the pty itself, in raw mode, instead of `virsh
// console`, which refuses to run without a controlling terminal. No shell, no node-pty.
import { constants, openSync } from 'node:fs';
import tty from 'node:tty';
import { createHash, randomBytes } from 'node:crypto';

export interface TerminalStream {
  write(data: Buffer | string): void;
  onData(cb: (data: Buffer) => void): void;
  onClose(cb: () => void): void;
  close(): void;
}

/** a pty device (e.g. /dev/pts/3) as a raw, non-blocking duplex stream */
export function openPty(device: string): TerminalStream {
  if (!/^\/dev\/pts\/\d+$/.test(device)) throw new Error(`not a pty: ${device}`);
  const fd = openSync(device, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  const s = new tty.ReadStream(fd);
  s.setRawMode(true);
  let closed = false;
  return {
    write: (data) => {
      if (!closed) s.write(data);
    },
    onData: (cb) => s.on('data', (d: Buffer | string) => cb(Buffer.from(d))),
    onClose: (cb) => s.on('close', cb),
    close: () => {
      if (closed) return;
      closed = true;
      s.destroy();
    },
  };
}

/** the websocket port of a domain's VNC display, from its live XML (`websocket='5700'`) */
export function vncWebsocketPort(domainXml: string): number | null {
  const g = /<graphics\b[^>]*\btype=['"]vnc['"][^>]*>/.exec(domainXml)?.[0];
  const port = g ? /\bwebsocket=['"](\d+)['"]/.exec(g)?.[1] : undefined;
  return port && Number(port) > 0 ? Number(port) : null;
}

/**
 * One-time console tickets: handed out to an authenticated user (POST .../vnc), good once, for one
 * target, for `ttlMs`. Only the SHA-256 of a ticket is kept.
 */
export class TicketStore {
  private readonly tickets = new Map<string, { target: string; user: string; expires: number }>();
  constructor(
    private readonly ttlMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  issue(target: string, user: string): { ticket: string; expiresInS: number } {
    for (const [k, t] of this.tickets) if (t.expires <= this.now()) this.tickets.delete(k);
    const ticket = randomBytes(24).toString('base64url');
    this.tickets.set(sha256(ticket), { target, user, expires: this.now() + this.ttlMs });
    return { ticket, expiresInS: Math.round(this.ttlMs / 1000) };
  }

  /** the user the ticket was issued to, once; null when unknown, used, expired or for another target */
  take(ticket: string, target: string): string | null {
    const key = sha256(ticket);
    const t = this.tickets.get(key);
    if (!t) return null;
    this.tickets.delete(key);
    return t.target === target && t.expires > this.now() ? t.user : null;
  }
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
