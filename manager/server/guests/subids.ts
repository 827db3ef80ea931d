// Whether this node can run unprivileged containers: root needs a subordinate uid and gid range
// (/etc/subuid, /etc/subgid) covering the ids a container's root maps to (IDMAP), or lxc-create and
// lxc-usernsexec fail with "Failed to change idmappings". The create wizard offers
// "unprivileged" (its default) only where it works.
import { readFileSync } from 'node:fs';
import { IDMAP } from '../config/lxcConfig.ts';

/** Does a subuid/subgid file give `user` the ids start..start+count-1? Pure. */
export function subIdsCover(text: string, user: string, start: number, count: number): boolean {
  return text.split('\n').some((line) => {
    const [name, first, n] = line.trim().split(':');
    if (name !== user || first === undefined || n === undefined) return false;
    const a = Number(first);
    const len = Number(n);
    return Number.isInteger(a) && Number.isInteger(len) && a <= start && a + len >= start + count;
  });
}

const read = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/** root's subordinate uids and gids cover the container id map on this machine */
export function unprivilegedPossible(etc = '/etc'): boolean {
  return ['subuid', 'subgid'].every((f) =>
    subIdsCover(read(`${etc}/${f}`), 'root', IDMAP.hostStart, IDMAP.count),
  );
}
