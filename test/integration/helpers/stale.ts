// Leftovers of an install rig that died (a crashed or killed test run): its loop devices, the LV
// loop devices over them, mounts from them, and the /dev/<vg> and /dev/mapper links the host shim
// made. Cleared when a rig starts, so one failed run never poisons the next. Only what is provably
// stale is touched (other worktrees run the same tests at the same time): a rig's images live in
// /tmp/openve-it-<pid>-*, stale when that process is gone or the image was deleted.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readlinkSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pidAlive } from '../../../lib/proc.ts';

const ENV = {
  ...process.env,
  PATH: `/usr/local/sbin:/usr/sbin:/sbin:${process.env.PATH ?? ''}`,
  LVM_SUPPRESS_FD_WARNINGS: '1',
};

/** Directory prefix of a rig's images; the pid says whose they are. */
export function rigDirPrefix(pid = process.pid): string {
  return `openve-it-${pid}-`;
}

export interface LoopEntry {
  name: string; // /dev/loopN
  backFile: string;
}

/** `losetup --list --json -O NAME,BACK-FILE` output to entries. Pure. */
export function parseLosetup(json: string): LoopEntry[] {
  const data = JSON.parse(json || '{}') as {
    loopdevices?: { name?: string; 'back-file'?: string | null }[];
  };
  return (data.loopdevices ?? [])
    .map((d) => ({ name: d.name ?? '', backFile: (d['back-file'] ?? '').trim() }))
    .filter((d) => d.name);
}

/**
 * The loop devices that belong to a dead rig. Pure: `alive(pid)` answers whether a process runs.
 * A disk loop is stale when its image (under /tmp/openve-it-*) was deleted or its rig's process is
 * gone; an LV loop (backed by a disk loop's device) is stale with its disk.
 */
export function staleLoops(loops: LoopEntry[], alive: (pid: number) => boolean): LoopEntry[] {
  const disk = (l: LoopEntry): boolean => {
    if (!/\/openve-it-/.test(l.backFile)) return false;
    if (/ \(deleted\)$/.test(l.backFile)) return true;
    const m = /\/openve-it-(\d+)-[^/]*\//.exec(l.backFile);
    return m ? !alive(Number(m[1])) : false;
  };
  const disks = loops.filter(disk);
  const names = new Set(disks.map((d) => d.name));
  const lvs = loops.filter((l) => names.has(l.backFile.replace(/ \(deleted\)$/, '')));
  return [...lvs, ...disks]; // LVs first: they hold their disk busy
}

function listLoops(): LoopEntry[] {
  const r = spawnSync('losetup', ['--list', '--json', '-O', 'NAME,BACK-FILE'], {
    encoding: 'utf8',
    env: ENV,
  });
  return r.status === 0 ? parseLosetup(r.stdout) : [];
}

/** Links in /dev/<vg> and /dev/mapper/<vg>-* that point to a loop device not attached to anything. */
function deadLinks(
  dir: string,
  attached: Set<string>,
  filter: (name: string) => boolean = () => true,
): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).filter(filter)) {
    const p = path.join(dir, name);
    if (!lstatSync(p).isSymbolicLink()) continue;
    const to = path.resolve(dir, readlinkSync(p));
    if (/^\/dev\/loop\d+$/.test(to) && !attached.has(to)) out.push(p);
  }
  return out;
}

/** Clears what dead rigs left behind; returns a line per thing removed (for the test log). */
export function clearStaleRigs(vgs: readonly string[] = ['openve']): string[] {
  const done: string[] = [];
  const stale = staleLoops(listLoops(), pidAlive);
  const staleNames = new Set(stale.map((l) => l.name));
  // mounts from a stale loop (a test that died between mount and umount)
  const mounts =
    spawnSync('findmnt', ['-rn', '-o', 'TARGET,SOURCE'], { encoding: 'utf8', env: ENV }).stdout ??
    '';
  for (const line of mounts.split('\n').filter(Boolean)) {
    const [target = '', source = ''] = line.split(' ');
    if (staleNames.has(source) || [...staleNames].some((n) => source.startsWith(`${n}p`))) {
      spawnSync('umount', ['-l', target], { env: ENV });
      done.push(`unmounted ${target}`);
    }
  }
  for (const l of stale) {
    spawnSync('swapoff', [l.name], { env: ENV });
    spawnSync('partx', ['-d', l.name], { env: ENV });
    spawnSync('losetup', ['-d', l.name], { env: ENV });
    done.push(`detached ${l.name} (${l.backFile})`);
  }
  const attached = new Set(listLoops().map((l) => l.name));
  for (const vg of vgs) {
    const mapperName = `${vg.replace(/-/g, '--')}-`;
    for (const link of [
      ...deadLinks(`/dev/${vg}`, attached),
      ...deadLinks('/dev/mapper', attached, (n) => n.startsWith(mapperName)),
    ]) {
      rmSync(link, { force: true });
      done.push(`removed ${link}`);
    }
    try {
      rmdirSync(`/dev/${vg}`); // only when empty: a live VG of another run keeps its links
      done.push(`removed /dev/${vg}`);
    } catch {
      // absent or still in use
    }
  }
  // image directories of dead rigs (their loops are gone now)
  for (const name of readdirSync('/tmp')) {
    const m = /^openve-it-(\d+)-/.exec(name);
    if (m && !pidAlive(Number(m[1]))) {
      const dir = path.join('/tmp', name);
      const inUse =
        listLoops().some((l) => l.backFile.startsWith(`${dir}/`)) ||
        (spawnSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8', env: ENV }).stdout ?? '')
          .split('\n')
          .some((t) => t.startsWith(`${dir}/`));
      if (!inUse) {
        rmSync(dir, { recursive: true, force: true });
        done.push(`removed ${dir}`);
      }
    }
  }
  return done;
}
