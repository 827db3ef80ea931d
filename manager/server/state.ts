// The manager's own state: everything under one directory (`--state DIR`; /var/lib/openve/manager
// on a node). Guests themselves live in the engines; here are only our configs, tokens, task logs.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export interface StatePaths {
  root: string;
  guests: string;
  tasks: string;
  tls: string;
  tokens: string;
  rootToken: string;
  /** the key that signs login tickets (auth/sessions.ts) */
  ticketKey: string;
  /** tickets ended by a logout, until they expire */
  revokedTickets: string;
  audit: string;
  iso: string;
  templates: string;
  storage: string;
  lxc: string;
  tmp: string;
  /** usage graphs (metrics/metrics.ts) */
  metrics: string;
}

export function statePaths(root: string): StatePaths {
  const abs = path.resolve(root);
  return {
    root: abs,
    guests: path.join(abs, 'guests'),
    tasks: path.join(abs, 'tasks'),
    tls: path.join(abs, 'tls'),
    tokens: path.join(abs, 'tokens.json'),
    rootToken: path.join(abs, 'root.token'),
    ticketKey: path.join(abs, 'ticket.key'),
    revokedTickets: path.join(abs, 'revoked-tickets.json'),
    audit: path.join(abs, 'audit.log'),
    iso: path.join(abs, 'iso'),
    templates: path.join(abs, 'templates'),
    storage: path.join(abs, 'storage'),
    lxc: path.join(abs, 'lxc'),
    tmp: path.join(abs, 'tmp'),
    metrics: path.join(abs, 'metrics'),
  };
}

export function ensureStateDirs(p: StatePaths): void {
  mkdirSync(p.root, { recursive: true });
  // QEMU runs as libvirt-qemu: it must traverse the root to reach disk images and ISOs; the
  // private parts (tokens, tasks, tls, guests) stay 0700/0600
  chmodSync(p.root, 0o711);
  for (const d of [p.guests, p.tasks, p.tls, p.tmp, p.metrics]) {
    mkdirSync(d, { recursive: true, mode: 0o700 });
    chmodSync(d, 0o700);
  }
  // an unprivileged container's root (uid 100000) must traverse the lxc path to its rootfs, or
  // lxc-start aborts ("Could not access .../lxc. Please grant it x access"): x, no listing
  mkdirSync(p.lxc, { recursive: true, mode: 0o711 });
  chmodSync(p.lxc, 0o711);
  for (const d of [p.iso, p.templates, p.storage]) {
    mkdirSync(d, { recursive: true, mode: 0o755 });
    chmodSync(d, 0o755);
  }
}

/** Write-then-rename, so a crash never leaves half a file behind. */
export function writeFileAtomic(file: string, data: string, mode = 0o600): void {
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, file);
}

export function writeJsonAtomic(file: string, value: unknown, mode = 0o600): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n', mode);
}

export function readJson<T>(file: string, fallback: T): T {
  if (!existsSync(file)) return fallback;
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}
