// Sparse image files on loop devices, described to the planner as ordinary virtio disks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { DiskInfo, HardwareProfile } from '../../../contracts/hardware/types.ts';
import { rigDirPrefix } from './stale.ts';

const sh = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, {
    encoding: 'utf8',
    env: {
      ...process.env,
      PATH: `/usr/local/sbin:/usr/sbin:/sbin:${process.env.PATH ?? ''}`,
      LVM_SUPPRESS_FD_WARNINGS: '1',
    },
  }).trim();

export const GiB = 1024 ** 3;

export interface LoopDisk {
  file: string;
  path: string; // /dev/loopN
  name: string; // loopN
  sizeBytes: number;
}

export interface LoopSet {
  dir: string;
  disks: LoopDisk[];
  detach(): void;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function createLoopDisks(count: number, sizeBytes = 40 * GiB): LoopSet {
  // the pid in the name lets a later run tell a dead rig's leftovers from a running one's (stale.ts)
  const dir = mkdtempSync(path.join(tmpdir(), rigDirPrefix()));
  const disks: LoopDisk[] = [];
  const set: LoopSet = {
    dir,
    disks,
    detach() {
      for (const d of disks) {
        // LVM metadata dies with the image; partitions and loops go with losetup -d
        try {
          sh('partx', ['-d', d.path]);
        } catch {
          /* none */
        }
        try {
          sh('losetup', ['-d', d.path]);
        } catch {
          /* already gone */
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    for (let i = 0; i < count; i++) {
      const file = path.join(dir, `disk${i}.img`);
      sh('truncate', ['-s', String(sizeBytes), file]);
      const dev = sh('losetup', ['-f', '--show', file]);
      disks.push({ file, path: dev, name: path.basename(dev), sizeBytes });
    }
  } catch (err) {
    set.detach(); // the disks made so far
    throw err;
  }
  return set;
}

export function loopProfile(disks: LoopDisk[], memoryBytes = 8 * GiB): HardwareProfile {
  const infos: DiskInfo[] = disks.map((d, i) => ({
    name: d.name,
    path: d.path,
    kind: 'disk',
    sizeBytes: d.sizeBytes,
    logicalSectorSize: 512,
    model: 'openve-it-loop',
    serial: `IT${i}-${d.name}`,
    wwn: null,
    vendor: 'loop',
    rotational: false,
    removable: false,
    readOnly: false,
    transport: 'virtio',
    isBootMedium: false,
    udev: {},
  }));
  return {
    cpu: { model: 'test CPU', vendor: 'test', cores: 2, threads: 2, virtualization: 'vmx' },
    kvm: { devicePresent: true },
    iommu: { enabled: false, groups: 0 },
    memoryBytes,
    firmware: 'uefi',
    disks: infos,
    nics: [
      {
        name: 'eth0',
        mac: '52:54:00:12:34:56',
        driver: 'virtio_net',
        link: true,
        speedMbps: 1000,
        udev: {},
      },
    ],
    notes: ['integration test: loop devices described as virtio disks'],
  };
}
