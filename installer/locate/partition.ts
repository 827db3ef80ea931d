// The OPENVE-AIS partition / USB stick: find it by file system label, mount it read-only,
// read answer.toml (and the first-boot hook), unmount.
import { join } from 'node:path';
import { CommandError } from '../../lib/exec/index.ts';
import { parseLsblkTree, type LsblkNode } from '../../lib/parse/lsblk.ts';
import {
  ANSWER_FILE_NAME,
  FIRST_BOOT_FILE_NAME,
  PARTITION_LABEL,
  PROXMOX_PARTITION_LABEL,
} from './paths.ts';
import type { Attempt, FoundAnswer, LocateEnv } from './types.ts';

export interface LabelledDevice {
  path: string;
  label: string;
  fstype: string | null;
}

const LABELS = [PARTITION_LABEL, PROXMOX_PARTITION_LABEL];

/** Pure: devices in `lsblk -J -o NAME,PATH,LABEL,FSTYPE` output whose label is ours (any case). */
export function findLabelled(lsblkJson: string): LabelledDevice[] {
  const out: LabelledDevice[] = [];
  const walk = (nodes: LsblkNode[]) => {
    for (const n of nodes) {
      if (LABELS.includes(n.label.toUpperCase()))
        out.push({ path: n.path, label: n.label, fstype: n.fstype || null });
      walk(n.children);
    }
  };
  walk(parseLsblkTree(lsblkJson));
  // our label before Proxmox's, so a stick of each picks ours... but two of ours is ambiguous
  return out.sort(
    (a, b) => LABELS.indexOf(a.label.toUpperCase()) - LABELS.indexOf(b.label.toUpperCase()),
  );
}

async function listLabelled(env: LocateEnv): Promise<{ devices: LabelledDevice[]; how: string }> {
  const lsblk = await env.runner.run(['lsblk', '-J', '-o', 'NAME,PATH,LABEL,FSTYPE'], {
    reject: false,
    timeoutMs: 20_000,
  });
  if (lsblk.exitCode === 0) {
    const devices = findLabelled(lsblk.stdout);
    if (devices.length) return { devices, how: 'lsblk' };
  }
  // lsblk takes labels from udev's database; blkid probes the devices itself (no udev needed)
  const devices: LabelledDevice[] = [];
  for (const label of LABELS) {
    const blkid = await env.runner.run(
      ['blkid', '-c', '/dev/null', '-o', 'device', '-t', `LABEL=${label}`],
      {
        reject: false,
        timeoutMs: 20_000,
      },
    );
    for (const path of blkid.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)) {
      if (!devices.some((d) => d.path === path)) devices.push({ path, label, fstype: null });
    }
  }
  return {
    devices,
    how: lsblk.exitCode === 0 ? 'lsblk and blkid' : `blkid (lsblk exited ${lsblk.exitCode})`,
  };
}

export async function fromPartition(
  env: LocateEnv,
): Promise<{ attempt: Attempt; answer?: FoundAnswer }> {
  const base = { source: 'partition' as const };
  const { devices, how } = await listLabelled(env);
  if (devices.length === 0) {
    return {
      attempt: {
        ...base,
        where: 'block devices',
        status: 'not-found',
        reason: `no file system labelled ${LABELS.join(' or ')} (${how})`,
      },
    };
  }
  const ours = devices.filter((d) => d.label.toUpperCase() === devices[0]!.label.toUpperCase());
  if (ours.length > 1) {
    return {
      attempt: {
        ...base,
        where: ours.map((d) => d.path).join(', '),
        status: 'failed',
        reason: `${ours.length} devices are labelled ${ours[0]!.label}; which answer to use is ambiguous: keep only one attached`,
      },
    };
  }
  const device = ours[0]!;
  const where = `${device.path}:/${ANSWER_FILE_NAME}`;
  const dir = await env.makeTempDir();
  let mounted = false;
  try {
    try {
      await env.runner.run(['mount', '-o', 'ro', device.path, dir], { timeoutMs: 60_000 });
      mounted = true;
    } catch (err) {
      const detail = err instanceof CommandError ? err.tail(3) : String(err);
      return {
        attempt: {
          ...base,
          where,
          status: 'failed',
          reason: `cannot mount ${device.path} read-only: ${detail}`,
        },
      };
    }
    const answer = await env.readFile(join(dir, ANSWER_FILE_NAME));
    if (answer === null) {
      return {
        attempt: {
          ...base,
          where,
          status: 'failed',
          reason: `${device.path} (label ${device.label}) has no ${ANSWER_FILE_NAME} at its top level`,
        },
      };
    }
    const hook = await env.readFile(join(dir, FIRST_BOOT_FILE_NAME));
    const found: FoundAnswer = {
      source: 'partition',
      where,
      text: answer.toString('utf8'),
      withInstallMedia: false,
    };
    if (hook !== null)
      found.firstBoot = { where: `${device.path}:/${FIRST_BOOT_FILE_NAME}`, content: hook };
    return {
      attempt: { ...base, where, status: 'found', reason: `read ${answer.length} bytes` },
      answer: found,
    };
  } finally {
    if (mounted) await env.runner.run(['umount', dir], { reject: false, timeoutMs: 60_000 });
    await env.removeDir(dir).catch(() => undefined);
  }
}
