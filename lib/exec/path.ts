// /usr/sbin must be on PATH (sgdisk, lvm, mkfs.*, lsblk live there), also when a plain user's
// PATH or a minimal service environment leaves it out.
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function defaultPath(): string {
  const have = (process.env.PATH ?? '').split(':').filter(Boolean);
  return [...have, ...SYSTEM_DIRS.filter((d) => !have.includes(d))].join(':');
}
