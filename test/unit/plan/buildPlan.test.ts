import { describe, expect, test } from 'vitest';
import { buildPlan } from '../../../installer/plan/buildPlan.ts';
import type { Plan } from '../../../contracts/plan/types.ts';
import { answers, disk, fixture, GiB, machine } from './helpers.ts';

const ok = (r: ReturnType<typeof buildPlan>): Plan => {
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
};

describe('buildPlan', () => {
  test('LVM step ids, in order', () => {
    const plan = ok(
      buildPlan(
        answers({
          global: {
            rootSshKeys: [
              'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAcmRNxwgXBSlTzkLEFpHS0qW5HRqXzGqdWMyRS/kvB7 admin@lab',
            ],
          },
        }),
        fixture('single-sata'),
      ),
    );
    expect(plan.steps.map((s) => s.id)).toEqual([
      'wipe:sda',
      'partition:sda',
      'lvm:openve',
      'mkfs:root',
      'mount:target',
      'extract:payload',
      // beside the extraction (plan/overlap.ts)
      'mkfs:esp:sda',
      'bootloader:grub',
      'lvcreate:openve/swap',
      'mkfs:swap',
      'bind:target',
      'files:system',
      'lvcreate:openve/data',
      // beside the thin pool (plan/overlap.ts)
      'password:root',
      'ssh-keys:root',
      'first-boot:hook',
      'machine-id:reset',
      'finalize',
    ]);
    const weights = plan.steps.map((s) => s.weight);
    expect(plan.steps.find((s) => s.id === 'extract:payload')!.weight).toBeGreaterThan(
      weights.reduce((a, b) => a + b, 0) / 2,
    );
  });

  test('btrfs raid1: every disk partitioned alike, one mkfs:root across them, ESP on each', () => {
    const plan = ok(
      buildPlan(
        answers({
          disk: {
            filesystem: 'btrfs',
            selection: { kind: 'list', disks: ['nvme0n1', 'nvme1n1'] },
            btrfs: { raid: 'raid1', compress: 'zstd' },
          },
        }),
        fixture('ten-disks'),
      ),
    );
    expect(plan.steps.map((s) => s.id).slice(0, 9)).toEqual([
      'wipe:nvme0n1',
      'wipe:nvme1n1',
      'partition:nvme0n1',
      'partition:nvme1n1',
      'mkfs:root',
      'mount:target',
      'extract:payload',
      'mkfs:esp:nvme0n1',
      'mkfs:esp:nvme1n1',
    ]);
    const mk = plan.steps.find((s) => s.id === 'mkfs:root')!;
    expect(mk).toMatchObject({
      kind: 'mkfs-btrfs',
      devices: ['/dev/nvme0n1p3', '/dev/nvme1n1p3'],
      dataProfile: 'raid1',
      metadataProfile: 'raid1',
      subvolumes: ['@', '@vz'],
    });
    expect(plan.steps.find((s) => s.id === 'mount:target')).toMatchObject({
      mounts: [
        { mountpoint: '/', options: ['subvol=@', 'compress=zstd'] },
        { mountpoint: '/var/lib/vz', options: ['subvol=@vz', 'compress=zstd'] },
      ],
    });
    expect(plan.steps.find((s) => s.id === 'bootloader:grub')).toMatchObject({
      biosDisks: ['/dev/nvme0n1', '/dev/nvme1n1'],
      espDevices: ['/dev/nvme0n1p2', '/dev/nvme1n1p2'],
    });
    expect(plan.summary.layout).toBe('btrfs raid1 on /dev/nvme0n1, /dev/nvme1n1');
    expect(plan.steps.some((s) => s.id === 'mkfs:swap')).toBe(false);
  });

  test('btrfs raid0 on one disk: data single, metadata dup', () => {
    const plan = ok(
      buildPlan(
        answers({
          disk: {
            filesystem: 'btrfs',
            selection: { kind: 'list', disks: ['sda'] },
            btrfs: { raid: 'raid0' },
          },
        }),
        fixture('single-sata'),
      ),
    );
    expect(plan.steps.find((s) => s.id === 'mkfs:root')).toMatchObject({
      dataProfile: 'single',
      metadataProfile: 'dup',
    });
  });

  test('no VT-x: a warning, not a failure', () => {
    const plan = ok(buildPlan(answers(), fixture('no-vtx')));
    expect(plan.warnings[0]).toMatch(
      /no hardware virtualization \(VT-x\/AMD-V\): KVM guests will run without hardware acceleration/,
    );
  });

  test('a USB target disk is planned with a warning', () => {
    const hw = machine({
      disks: [disk('sdc', 64 * GiB, { transport: 'usb', removable: true, model: 'Cruzer' })],
    });
    const plan = ok(
      buildPlan(answers({ disk: { selection: { kind: 'list', disks: ['sdc'] } } }), hw),
    );
    expect(plan.warnings).toContain(
      '/dev/sdc (Cruzer) is a removable or USB disk: fine for a test, slow and short-lived for a host.',
    );
  });

  test('4Kn disk in BIOS mode is refused; in UEFI mode it gets no BIOS boot partition', () => {
    const hw = machine({
      firmware: 'bios',
      disks: [disk('sda', 500 * GiB, { logicalSectorSize: 4096 })],
    });
    const r = buildPlan(answers(), hw);
    expect(r.ok || r.issues[0]!.message).toMatch(
      /booting from a 4Kn disk in legacy BIOS mode is not supported/,
    );
    const plan = ok(buildPlan(answers(), { ...hw, firmware: 'uefi' }));
    expect(plan.steps.find((s) => s.id === 'bootloader:grub')).toMatchObject({ biosDisks: [] });
  });

  test('disk and NIC problems are reported together', () => {
    const r = buildPlan(
      answers({
        disk: { selection: { kind: 'list', disks: ['sdz'] } },
        network: { filter: { ID_NET_DRIVER: 'nope' } },
      }),
      fixture('single-sata'),
    );
    expect(r.ok || r.issues.map((i) => i.path)).toEqual([
      'disk-setup.disk-list[0]',
      'network.filter',
    ]);
  });

  test('cluster join: token only as a placeholder, cluster-init unit enabled', () => {
    const a = answers({
      cluster: {
        mode: 'join',
        master: '10.0.0.1',
        token: 'tok-very-secret-123',
        fingerprint: 'AA:BB',
      },
    });
    const plan = ok(buildPlan(a, fixture('single-sata')));
    const json = JSON.stringify(plan);
    expect(json).not.toContain('tok-very-secret-123');
    expect(json).toContain('@@SECRET:cluster-token@@');
    expect(plan.steps.find((s) => s.id === 'units:enable')).toEqual({
      id: 'units:enable',
      title: 'Enabling cluster set-up at first boot',
      weight: 1,
      kind: 'chroot',
      commands: [['systemctl', 'enable', 'openve-cluster-init.service']],
    });
    expect(plan.summary.cluster).toBe('join 10.0.0.1');
  });

  test('neither the plain nor the hashed root password appears in the plan', () => {
    for (const rootPassword of [
      { kind: 'plain', value: 'passw0rd-fixture' },
      { kind: 'hashed', hash: '$6$salt$hashhashhash' },
    ] as const) {
      const json = JSON.stringify(
        ok(buildPlan(answers({ global: { rootPassword } }), fixture('single-sata'))),
      );
      expect(json).not.toContain('passw0rd-fixture');
      expect(json).not.toContain('hashhashhash');
    }
  });

  test('same inputs, byte-identical plan; UUIDs differ between machines and names', () => {
    const a = JSON.stringify(buildPlan(answers(), fixture('single-sata')));
    expect(JSON.stringify(buildPlan(answers(), fixture('single-sata')))).toBe(a);
    const uuidOf = (p: Plan) =>
      (p.steps.find((s) => s.id === 'mkfs:root') as { uuid: string }).uuid;
    const u1 = uuidOf(ok(buildPlan(answers(), fixture('single-sata'))));
    const u2 = uuidOf(
      ok(
        buildPlan(
          answers({ global: { fqdn: { source: 'from-answer', value: 'node2.openve.lan' } } }),
          fixture('single-sata'),
        ),
      ),
    );
    expect(u1).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(u1).not.toBe(u2);
  });

  test('fstab mounts by the UUIDs the mkfs steps use', () => {
    const plan = ok(buildPlan(answers(), fixture('single-sata')));
    const files = plan.steps.find((s) => s.kind === 'write-files');
    const fstab =
      files?.kind === 'write-files'
        ? files.files.find((f) => f.path === '/etc/fstab')!.content
        : '';
    for (const s of plan.steps) if (s.kind === 'mkfs') expect(fstab).toContain(`UUID=${s.uuid} `);
  });
});
