// A new container's network inside its root file system (Debian templates; before the first start):
// LXC itself gives a NIC with a static address its address and gateway, so only NICs that ask for
// DHCP get a systemd-networkd unit (`DHCP=ipv4`), and systemd-networkd is enabled when there is one.
// /etc/resolv.conf gets the node's own name servers and search domains when the template left it
// empty, as Proxmox does: without systemd-resolved nothing else would write it.
import { lstatSync, symlinkSync, lchownSync } from 'node:fs';
import path from 'node:path';
import type { CtConfig } from '../../../contracts/manager/guest.ts';
import { RootfsError, safeDir, updateInRootfs } from './credentials.ts';

export interface NetworkFile {
  rel: string;
  text: string;
}

/** the systemd-networkd units of the NICs that ask for DHCP; pure */
export function ctNetworkFiles(nics: CtConfig['nics']): NetworkFile[] {
  return nics
    .filter((n) => n.ip === 'dhcp')
    .map((n) => ({
      rel: `etc/systemd/network/10-openve-${n.name}.network`,
      text: `# written by openve at container creation\n[Match]\nName=${n.name}\n\n[Network]\nDHCP=ipv4\n`,
    }));
}

/** the node's name servers and search domains as a container's resolv.conf; pure */
export function resolvConfFrom(host: string): string {
  const keep = host
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^(nameserver|search|domain)\s+\S/.test(l))
    // a loopback resolver of the node is not reachable from inside the container
    .filter((l) => !/^nameserver\s+(127\.|::1$)/.test(l));
  return keep.length ? `# from the node at container creation (openve)\n${keep.join('\n')}\n` : '';
}

const NETWORKD_WANT = 'etc/systemd/system/multi-user.target.wants/systemd-networkd.service';
const NETWORKD_UNIT = '/usr/lib/systemd/system/systemd-networkd.service';

/** writes the units, enables networkd when needed, fills an empty resolv.conf; returns what it did */
export function writeCtNetwork(
  rootfs: string,
  nics: CtConfig['nics'],
  hostResolv: string,
  owner: number,
): string[] {
  const done: string[] = [];
  const files = ctNetworkFiles(nics);
  for (const f of files) {
    updateInRootfs(rootfs, f.rel, () => f.text, { owner, mode: 0o644 });
    done.push(`/${f.rel}`);
  }
  if (files.length && existsInRootfs(rootfs, NETWORKD_UNIT)) {
    const dir = safeDir(rootfs, path.dirname(NETWORKD_WANT), owner, 0o755);
    const link = path.join(dir, path.basename(NETWORKD_WANT));
    if (!existsNoFollow(link)) {
      symlinkSync(NETWORKD_UNIT, link);
      lchownSync(link, owner, owner);
      done.push('systemd-networkd enabled');
    }
  }
  const resolv = resolvConfFrom(hostResolv);
  if (resolv) {
    let wrote = false;
    try {
      updateInRootfs(
        rootfs,
        'etc/resolv.conf',
        (old) => {
          if (old.trim() !== '') return old;
          wrote = true;
          return resolv;
        },
        { owner, mode: 0o644 },
      );
    } catch (err) {
      // a template whose resolv.conf is a link (to a resolver stub) keeps it
      if (!(err instanceof RootfsError)) throw err;
    }
    if (wrote) done.push('/etc/resolv.conf from the node');
  }
  return done;
}

function existsNoFollow(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** whether `abs` (an absolute path inside the container) exists there, no symlink followed out */
function existsInRootfs(rootfs: string, abs: string): boolean {
  let cur = rootfs;
  for (const part of abs.split('/').filter(Boolean)) {
    cur = path.join(cur, part);
    let st;
    try {
      st = lstatSync(cur);
    } catch {
      return false;
    }
    // a link is not followed (it could point out of the container): such a template gets no unit
    if (st.isSymbolicLink()) return false;
  }
  return true;
}
