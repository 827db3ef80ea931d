// Root credentials inside a new container's root file system (before it first starts): the crypt
// hash of the root password into /etc/shadow, public keys into /root/.ssh/authorized_keys. Every
// path component is checked not to be a symlink (a template must not point a write at the host),
// files keep (or get) the container root's owner: 0, or the mapped id when unprivileged.
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

/** /etc/shadow with root's hash set (the line added when missing); pure */
export function shadowWithRootHash(shadow: string, hash: string, today: number): string {
  const lines = shadow.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);
  let found = false;
  const out = lines.map((l) => {
    const f = l.split(':');
    if (f[0] !== 'root') return l;
    found = true;
    while (f.length < 9) f.push('');
    f[1] = hash;
    f[2] = String(today);
    return f.join(':');
  });
  if (!found) out.push(`root:${hash}:${today}:0:99999:7:::`);
  return out.join('\n') + '\n';
}

/** authorized_keys with `keys` added (each once); pure */
export function withKeys(existing: string, keys: readonly string[]): string {
  const have = existing.split('\n').filter((l) => l.trim() !== '');
  for (const k of keys) if (!have.includes(k.trim())) have.push(k.trim());
  return have.join('\n') + '\n';
}

export class RootfsError extends Error {}

/** `rel` under `rootfs`, every existing component a real directory (no symlink), made when missing */
export function safeDir(rootfs: string, rel: string, owner: number, mode: number): string {
  let cur = rootfs;
  for (const part of rel.split('/').filter(Boolean)) {
    cur = path.join(cur, part);
    let st;
    try {
      st = lstatSync(cur);
    } catch {
      mkdirSync(cur, { mode });
      chownSync(cur, owner, owner);
      continue;
    }
    if (!st.isDirectory() || st.isSymbolicLink())
      throw new RootfsError(`${cur.slice(rootfs.length)} in the container is not a directory`);
  }
  return cur;
}

/** replaces `rel` (a regular file or absent) atomically with `update(old)`, keeping its owner and mode */
export function updateInRootfs(
  rootfs: string,
  rel: string,
  update: (old: string) => string,
  o: { owner: number; mode: number; dirMode?: number },
): void {
  const dir = safeDir(rootfs, path.dirname(rel), o.owner, o.dirMode ?? 0o755);
  const file = path.join(dir, path.basename(rel));
  let old = '';
  let uid = o.owner;
  let gid = o.owner;
  let mode = o.mode;
  try {
    const st = lstatSync(file);
    if (!st.isFile()) throw new RootfsError(`${rel} in the container is not a regular file`);
    old = readFileSync(file, 'utf8');
    ({ uid, gid } = st);
    mode = st.mode & 0o7777;
  } catch (err) {
    if (err instanceof RootfsError) throw err;
  }
  const tmp = path.join(dir, `.openve-${randomBytes(6).toString('hex')}`);
  const fd = openSync(
    tmp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    writeSync(fd, update(old));
  } finally {
    closeSync(fd);
  }
  try {
    chownSync(tmp, uid, gid);
    chmodSync(tmp, mode);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
