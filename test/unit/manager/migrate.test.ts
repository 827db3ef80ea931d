// The pure part of VM migration: the virsh command line, domjobinfo -> task progress, the volumes
// a VM takes along and whether a destination may take them; the CLI's request body.
import { describe, expect, test } from 'vitest';
import {
  finishedLine,
  localDisks,
  migrateArgv,
  migrateVolumes,
  parseJobInfo,
  prepareProblem,
  progressFraction,
  progressLine,
} from '../../../manager/server/migrate/plan.ts';
import { migrateBody, MigrateUsage } from '../../../manager/cli/migrate.ts';
import type { Storage } from '../../../contracts/manager/guest.ts';
import { libvirtPkiFiles } from '../../../manager/server/migrate/libvirtTls.ts';
import { evacuationPlan } from '../../../manager/server/migrate/evacuate.ts';

const storages: Storage[] = [
  { id: 'local-lvm', type: 'lvmthin', vg: 'openve', pool: 'data' },
  { id: 'local', type: 'dir', path: '/var/lib/openve' },
];
const cfg = {
  id: 7001,
  disks: [
    { size: 4, storage: 'local-lvm' },
    { size: 1, storage: 'local', format: 'raw' as const },
  ],
};
const GiB = 1024 ** 3;

// `virsh domjobinfo` of libvirt 9.0 during a migration with --copy-storage-all
const RUNNING = `Job type:         Unbounded
Operation:        Outgoing migration
Time elapsed:     5123         ms
Data processed:   312.500 MiB
Data remaining:   180.000 MiB
Data total:       512.000 MiB
Memory processed: 100.000 MiB
Memory remaining: 20.000 MiB
Memory total:     128.000 MiB
Memory bandwidth: 40.000 MiB/s
Dirty rate:       538          pages/s
Page size:        4096         bytes
Iteration:        3
Postcopy requests: 0
Constant pages:   20000
Normal pages:     5000
Normal data:      19.531 MiB
Expected downtime: 300          ms
Setup time:       4            ms
`;
const COMPLETED = `Job type:         Completed
Operation:        Incoming migration
Time elapsed:     6310         ms
Time elapsed w/o network: 6300 ms
Data processed:   1.095 GiB
Data remaining:   0.000 B
Data total:       1.141 GiB
Total downtime:   210          ms
Downtime w/o network: 200      ms
`;

describe('migration plan', () => {
  test('the volumes go to the same paths, sizes in bytes; disks named as the API says', () => {
    expect(migrateVolumes(cfg, storages)).toEqual([
      {
        name: 'vm-7001-disk-0',
        storage: 'local-lvm',
        path: '/dev/openve/vm-7001-disk-0',
        format: 'raw',
        kind: 'block',
        size: 4 * GiB,
      },
      {
        name: 'vm-7001-disk-1',
        storage: 'local',
        path: '/var/lib/openve/images/7001/vm-7001-disk-1.raw',
        format: 'raw',
        kind: 'file',
        size: GiB,
      },
    ]);
    expect(localDisks(cfg, storages)).toEqual([
      { disk: 'virtio0', volume: 'local-lvm:vm-7001-disk-0', size: 4 * GiB },
      { disk: 'virtio1', volume: 'local:vm-7001-disk-1', size: GiB },
    ]);
  });

  test('a destination without the storage, at another path or without room is refused, naming why', () => {
    const vols = migrateVolumes(cfg, storages);
    const room = new Map([
      ['local-lvm', 10 * GiB],
      ['local', 10 * GiB],
    ]);
    expect(prepareProblem(vols, cfg, storages, room)).toBeUndefined();
    expect(prepareProblem(vols, cfg, storages.slice(1), room)).toBe(
      "has no storage 'local-lvm' (has: local)",
    );
    const moved: Storage[] = [storages[0]!, { id: 'local', type: 'dir', path: '/srv' }];
    expect(prepareProblem(vols, cfg, moved, room)).toMatch(
      /would put vm-7001-disk-1 at \/srv\/images\/7001\/vm-7001-disk-1.raw, not \/var\/lib.*same path on both nodes/,
    );
    expect(prepareProblem(vols, cfg, storages, new Map([...room, ['local-lvm', GiB]]))).toBe(
      "storage 'local-lvm' has 1024 MiB free, 4096 MiB needed",
    );
  });

  test('virsh migrate: p2p, persistent, source undefined, auto-converge; disks and TLS when asked', () => {
    expect(
      migrateArgv({
        sourceUri: 'qemu:///system',
        domain: 'vm-7001',
        destUri: 'qemu+tls://10.0.0.2/system',
        copyStorage: true,
        tls: true,
      }),
    ).toEqual([
      'virsh',
      '-q',
      '-c',
      'qemu:///system',
      'migrate',
      '--live',
      '--p2p',
      '--persistent',
      '--undefinesource',
      '--auto-converge',
      '--copy-storage-all',
      '--tls',
      '--verbose',
      'vm-7001',
      'qemu+tls://10.0.0.2/system',
    ]);
    const ramOnly = migrateArgv({
      sourceUri: 'qemu:///system',
      domain: 'vm-1',
      destUri: 'qemu+tcp://n2/system',
      copyStorage: false,
      tls: false,
    });
    expect(ramOnly).not.toContain('--copy-storage-all');
    expect(ramOnly).not.toContain('--tls');
  });

  test('domjobinfo -> the progress line and fraction; the completed job -> downtime', () => {
    const j = parseJobInfo(RUNNING);
    expect(j).toMatchObject({
      type: 'Unbounded',
      elapsedMs: 5123,
      processed: Math.round(312.5 * 1024 ** 2),
      remaining: 180 * 1024 ** 2,
      total: 512 * 1024 ** 2,
      dirtyRate: 538 * 4096,
      iteration: 3,
    });
    expect(progressLine(j)).toBe(
      'migration: 313 MiB of 512 MiB transferred, 180 MiB remaining, dirty 2.1 MiB/s, iteration 3',
    );
    expect(progressFraction(j)).toBeCloseTo(1 - 180 / 512);
    const done = parseJobInfo(COMPLETED);
    expect(done).toMatchObject({ type: 'Completed', downtimeMs: 210, elapsedMs: 6310 });
    expect(finishedLine(6.31, done.downtimeMs)).toBe('migration finished: 6.3 s, downtime 210 ms');
    expect(parseJobInfo('Job type:         None\n')).toEqual({ type: 'None' });
    expect(progressLine({ type: 'None' })).toBeUndefined();
    expect(progressFraction({ type: 'None' })).toBe(0);
  });

  test('CLI: --online/--offline become the body; both at once is a usage error', () => {
    expect(migrateBody('node2', {})).toEqual({ target: 'node2' });
    expect(migrateBody('node2', { online: true })).toEqual({ target: 'node2', online: true });
    expect(migrateBody('node2', { offline: true })).toEqual({ target: 'node2', online: false });
    expect(() => migrateBody('node2', { online: true, offline: true })).toThrow(MigrateUsage);
  });

  test("libvirt's and QEMU's TLS files are the cluster CA and the node certificate; keys private", () => {
    const files = libvirtPkiFiles({ ca: 'CA', cert: 'CERT', key: 'KEY' });
    const by = new Map(files.map((f) => [f.path, f]));
    expect(by.get('CA/cacert.pem')?.content).toBe('CA');
    expect(by.get('libvirt/servercert.pem')?.content).toBe('CERT');
    expect(by.get('libvirt/private/clientkey.pem')).toMatchObject({ content: 'KEY', mode: 0o600 });
    expect(by.get('qemu/server-key.pem')).toMatchObject({
      content: 'KEY',
      mode: 0o640,
      qemuReadable: true,
    });
    expect(files.filter((f) => f.content === 'KEY').every((f) => (f.mode & 0o004) === 0)).toBe(
      true,
    );
  });

  test('evacuation spreads the VMs over the allowed targets and names why one cannot move', () => {
    const both = [
      { node: 'n2', online: true, allowed: true },
      { node: 'n3', online: true, allowed: true },
    ];
    expect(
      evacuationPlan([
        { id: 101, targets: both },
        { id: 102, targets: both },
        {
          id: 103,
          targets: [both[0]!, { node: 'n3', online: false, allowed: false, reason: 'offline: x' }],
        },
        {
          id: 104,
          targets: [
            { node: 'n2', online: true, allowed: false, reason: "storage 'local' has 1 MiB free" },
          ],
        },
        { id: 105, targets: [] },
      ]),
    ).toEqual([
      { id: 101, kind: 'vm', target: 'n2' },
      { id: 102, kind: 'vm', target: 'n3' },
      { id: 103, kind: 'vm', target: 'n2' },
      { id: 104, kind: 'vm', reason: "n2: storage 'local' has 1 MiB free" },
      { id: 105, kind: 'vm', reason: 'no other node in the cluster' },
    ]);
  });
});
