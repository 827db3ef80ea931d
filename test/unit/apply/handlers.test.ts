// Each handler's commands, through a recording runner (no root, no disks).
import { describe, expect, it } from 'vitest';
import { recordingRunner, type RecordingRunner } from '../../../lib/exec/recording.ts';
import { newState, type ApplyContext } from '../../../installer/apply/context.ts';
import type { ProgressEvent } from '../../../contracts/progress.ts';
import type { Step } from '../../../contracts/plan/types.ts';
import { handlers } from '../../../installer/apply/handlers/index.ts';
import { mkfsArgs, sgdiskArgs } from '../../../installer/apply/handlers/storage.ts';
import {
  extractArgs,
  payloadFormat,
  percentFromOutput,
} from '../../../installer/apply/handlers/extract.ts';
import { substituteSecrets } from '../../../installer/apply/handlers/configure.ts';
import {
  descendantsDeepestFirst,
  mountsUnder,
  parseLsblk,
} from '../../../installer/apply/devices.ts';
import { redactAnswerText } from '../../../installer/answers/serialize.ts';
import { redact } from '../../../lib/exec/runner.ts';
import { listArchive } from '../../../installer/apply/archive.ts';

const TAR_X = 'tar -x -p --numeric-owner -C /target -f -';
/** what the n-th call unpacked: [path, mode, type, content or link target] */
const unpacked = (r: RecordingRunner, n: number) =>
  listArchive(Buffer.from(r.calls[n]?.input ?? '', 'utf8')).map((e) => [
    e.path,
    e.mode,
    e.type,
    e.content ?? e.target ?? null,
    e.uid,
    e.gid,
  ]);

const PW = 'passw0rd-fixture';

function ctxWith(
  runner: RecordingRunner,
  over: Partial<ApplyContext> = {},
): ApplyContext & { events: ProgressEvent[]; fractions: number[] } {
  const events: ProgressEvent[] = [];
  const fractions: number[] = [];
  return {
    runner,
    target: '/target',
    payload: '/media/payload.squashfs',
    secrets: { rootPassword: { kind: 'plain', value: PW }, clusterToken: 'tok-123' },
    firstBootHook: '/media/hook',
    installLogPath: '/tmp/openve-install.log',
    answerRedacted: 'root-password = "<redacted>"\n',
    emit: (e) => events.push(e),
    log: () => {},
    deviceTimeoutMs: 50,
    progress: (f) => fractions.push(f),
    noFsync: [],
    state: newState(),
    events,
    fractions,
    ...over,
  };
}

async function runStep(step: Step, ctx: ApplyContext) {
  await (handlers[step.kind] as (s: Step, c: ApplyContext) => Promise<void>)(step, ctx);
}
const argvs = (r: RecordingRunner) => r.calls.map((c) => c.argv.join(' '));
const base = { title: 't', weight: 1 };

describe('wipe', () => {
  it('releases mounts, swap and volume groups, then wipes partitions and the disk', async () => {
    const lsblk = JSON.stringify({
      blockdevices: [
        {
          name: '/dev/sda',
          type: 'disk',
          mountpoints: [null],
          children: [
            { name: '/dev/sda1', type: 'part', mountpoints: [null] },
            { name: '/dev/sda2', type: 'part', mountpoints: ['/target/boot/efi'] },
            {
              name: '/dev/sda3',
              type: 'part',
              mountpoints: [null],
              children: [
                { name: '/dev/mapper/openve-swap', type: 'lvm', mountpoints: ['[SWAP]'] },
                { name: '/dev/mapper/openve-root', type: 'lvm', mountpoints: ['/target'] },
              ],
            },
          ],
        },
      ],
    });
    const r = recordingRunner({
      rules: [
        { match: ['lsblk'], respond: { stdout: lsblk } },
        { match: ['findmnt'], respond: { stdout: '/\n/target\n/target/proc\n/targetx\n' } },
        { match: ['pvs'], respond: { stdout: '  openve\n' } },
      ],
    });
    await runStep({ ...base, id: 'wipe:sda', kind: 'wipe', device: '/dev/sda' }, ctxWith(r));
    const a = argvs(r);
    expect(a.indexOf('umount /target/proc')).toBeLessThan(a.indexOf('umount /target'));
    expect(a).not.toContain('umount /targetx');
    expect(a).toContain('swapoff /dev/mapper/openve-swap');
    expect(a).toContain('pvs --noheadings -o vg_name /dev/sda /dev/sda1 /dev/sda2 /dev/sda3');
    expect(a).toContain('vgchange -an openve');
    const tail = a.slice(a.indexOf('vgchange -an openve') + 1);
    expect(tail).toEqual([
      'wipefs -a /dev/sda3',
      'wipefs -a /dev/sda2',
      'wipefs -a /dev/sda1',
      'wipefs -a /dev/sda',
      'partx -d /dev/sda',
    ]);
  });
});

describe('partition', () => {
  const step = {
    ...base,
    id: 'partition:loop0',
    kind: 'partition' as const,
    device: '/dev/loop0',
    sizeLimitMiB: 20480,
    partitions: [
      {
        number: 1,
        path: '/dev/loop0p1',
        role: 'bios-boot' as const,
        sizeMiB: 1,
        typeCode: 'EF02' as const,
        name: 'bios-boot',
      },
      {
        number: 2,
        path: '/dev/loop0p2',
        role: 'esp' as const,
        sizeMiB: 1024,
        typeCode: 'EF00' as const,
        name: 'esp',
      },
      {
        number: 3,
        path: '/dev/loop0p3',
        role: 'lvm' as const,
        sizeMiB: null,
        typeCode: '8E00' as const,
        name: 'openve-lvm',
      },
    ],
  };
  it('builds one sgdisk call with sizes, type codes, names and the hdsize limit', () => {
    expect(sgdiskArgs(step)).toEqual([
      'sgdisk',
      '--new=1:0:+1M',
      '--typecode=1:EF02',
      '--change-name=1:bios-boot',
      '--new=2:0:+1024M',
      '--typecode=2:EF00',
      '--change-name=2:esp',
      '--new=3:0:20480M',
      '--typecode=3:8E00',
      '--change-name=3:openve-lvm',
      '/dev/loop0',
    ]);
    expect(sgdiskArgs({ ...step, sizeLimitMiB: null })).toContain('--new=3:0:0');
  });
  it('falls back to partx -a when partprobe leaves the nodes missing (loop devices), then polls', async () => {
    let added = false;
    const r = recordingRunner({
      rules: [
        { match: ['partx', '-a'], respond: () => ((added = true), {}) },
        { match: ['test', '-b'], respond: () => ({ exitCode: added ? 0 : 1 }) },
      ],
    });
    await runStep(step, ctxWith(r));
    const a = argvs(r);
    expect(a[0]).toMatch(/^sgdisk /);
    expect(a).toContain('partprobe /dev/loop0');
    expect(a).toContain('partx -a /dev/loop0');
  });
  it('real disks: sgdisk has the kernel re-read the table; one test finds every partition, no partprobe', async () => {
    const r = recordingRunner();
    await runStep(step, ctxWith(r));
    expect(argvs(r).slice(1)).toEqual([
      'test -b /dev/loop0p1 -a -b /dev/loop0p2 -a -b /dev/loop0p3',
    ]);
  });
  it('fails naming the missing partitions after the timeout', async () => {
    const r = recordingRunner({ rules: [{ match: ['test', '-b'], respond: { exitCode: 1 } }] });
    await expect(runStep(step, ctxWith(r))).rejects.toThrow(
      /does not show \/dev\/loop0p1, \/dev\/loop0p2, \/dev\/loop0p3/,
    );
  });
});

describe('lvm', () => {
  const step = {
    ...base,
    id: 'lvm:openve',
    kind: 'lvm' as const,
    vg: 'openve',
    pvs: ['/dev/sda3'],
    volumes: [
      { name: 'swap', sizeMiB: 4096, type: 'linear' as const },
      { name: 'root', sizeMiB: 8192, type: 'linear' as const },
      { name: 'data', sizeMiB: 20000, type: 'thin-pool' as const, metadataMiB: 1024 },
    ],
  };
  it('creates PV, VG, linear LVs and the thin pool with its metadata size', async () => {
    const r = recordingRunner({ rules: [{ match: ['vgs'], respond: { exitCode: 5 } }] });
    const ctx = ctxWith(r);
    await runStep(step, ctx);
    expect(argvs(r)).toEqual([
      'pvcreate --yes -ff /dev/sda3',
      'vgs --noheadings -o vg_uuid openve',
      'vgcreate --yes openve /dev/sda3',
      'lvcreate --yes --wipesignatures y -L 4096m -n swap openve',
      'lvcreate --yes --wipesignatures y -L 8192m -n root openve',
      'lvcreate --yes --monitor n --type thin-pool -L 20000m --poolmetadatasize 1024m -n data openve',
    ]);
    expect([...ctx.state.vgs]).toEqual(['openve']);
  });
  it('renames a same-named VG found on another disk, with a warning', async () => {
    const r = recordingRunner({
      rules: [{ match: ['vgs'], respond: { stdout: '  Abc123-Def4-5678\n' } }],
    });
    const ctx = ctxWith(r);
    await runStep(step, ctx);
    expect(argvs(r)).toContain('vgrename Abc123-Def4-5678 openve-old-Abc123De');
    expect(
      ctx.events.some((e) => e.type === 'warning' && e.text.includes('openve-old-Abc123De')),
    ).toBe(true);
  });
});

describe('mkfs', () => {
  it('sets the planned UUID and label for every filesystem', () => {
    const s = { device: '/dev/x', label: 'root', uuid: '5000d608-9f1e-51d9-aea3-efe4bf2c169a' };
    expect(mkfsArgs({ ...s, fstype: 'ext4' })).toEqual([
      'mkfs.ext4',
      '-F',
      '-q',
      '-U',
      s.uuid,
      '-L',
      'root',
      '/dev/x',
    ]);
    expect(mkfsArgs({ ...s, fstype: 'xfs' })).toEqual([
      'mkfs.xfs',
      '-f',
      '-q',
      '-m',
      `uuid=${s.uuid}`,
      '-L',
      'root',
      '/dev/x',
    ]);
    expect(mkfsArgs({ ...s, fstype: 'swap' })).toEqual([
      'mkswap',
      '-f',
      '-U',
      s.uuid,
      '-L',
      'root',
      '/dev/x',
    ]);
    expect(mkfsArgs({ ...s, fstype: 'vfat', uuid: '0BB9-F49E', label: 'efi' })).toEqual([
      'mkfs.vfat',
      '-F',
      '32',
      '-i',
      '0BB9F49E',
      '-n',
      'EFI',
      '/dev/x',
    ]);
  });
  it('btrfs: profiles, device scan, subvolumes created on a temporary top-level mount', async () => {
    const r = recordingRunner();
    const ctx = ctxWith(r);
    await runStep(
      {
        ...base,
        id: 'mkfs:root',
        kind: 'mkfs-btrfs',
        devices: ['/dev/a3', '/dev/b3'],
        dataProfile: 'raid1',
        metadataProfile: 'raid1',
        label: 'openve',
        uuid: 'u-1',
        subvolumes: ['@', '@vz'],
      },
      ctx,
    );
    expect(argvs(r)).toEqual([
      'mkfs.btrfs -f -U u-1 -L openve -d raid1 -m raid1 /dev/a3 /dev/b3',
      'btrfs device scan /dev/a3 /dev/b3',
      'mkdir -p /run/openve-install/btrfs-u-1',
      'mount -t btrfs -o subvolid=5 /dev/a3 /run/openve-install/btrfs-u-1',
      'btrfs subvolume create /run/openve-install/btrfs-u-1/@',
      'btrfs subvolume create /run/openve-install/btrfs-u-1/@vz',
      'umount /run/openve-install/btrfs-u-1',
      'rmdir /run/openve-install/btrfs-u-1',
    ]);
    expect(ctx.state.mounts).toEqual([]);
  });
});

describe('mount, bind-mounts', () => {
  it('mounts in plan order under the target and records it', async () => {
    const r = recordingRunner();
    const ctx = ctxWith(r);
    await runStep(
      {
        ...base,
        id: 'mount:target',
        kind: 'mount',
        mounts: [
          {
            device: '/dev/a3',
            mountpoint: '/',
            fstype: 'btrfs',
            options: ['subvol=@', 'compress=zstd'],
          },
          {
            device: '/dev/a3',
            mountpoint: '/var/lib/vz',
            fstype: 'btrfs',
            options: ['subvol=@vz'],
          },
        ],
      },
      ctx,
    );
    await runStep(
      { ...base, id: 'bind:target', kind: 'bind-mounts', paths: ['/dev', '/proc'] },
      ctx,
    );
    expect(argvs(r)).toEqual([
      'mkdir -p /target',
      'mount -t btrfs -o subvol=@,compress=zstd /dev/a3 /target',
      'mkdir -p /target/var/lib/vz',
      'mount -t btrfs -o subvol=@vz /dev/a3 /target/var/lib/vz',
      'mkdir -p /target/dev /target/proc',
      'mount --bind /dev /target/dev',
      'mount --bind /proc /target/proc',
    ]);
    expect(ctx.state.mounts).toEqual([
      '/target',
      '/target/var/lib/vz',
      '/target/dev',
      '/target/proc',
    ]);
  });
});

describe('extract', () => {
  it('picks the tool by payload format', () => {
    expect(extractArgs('/m/p.squashfs', '/target')).toEqual([
      'unsquashfs',
      '-f',
      '-d',
      '/target',
      '/m/p.squashfs',
    ]);
    expect(extractArgs('/m/p.tar.zst', '/target')).toEqual([
      'tar',
      '--zstd',
      '-xpf',
      '/m/p.tar.zst',
      '-C',
      '/target',
      '--xattrs',
      '--xattrs-include=*',
      '--acls',
      '--numeric-owner',
    ]);
    expect(payloadFormat('/m/p.tar')).toBe('tar');
    expect(() => extractArgs('/m/p.zip', '/t')).toThrow(/unknown format/);
  });
  it('turns the unsquashfs progress bar into step progress', async () => {
    expect(percentFromOutput('\r[==    ] 6553/11129  58%\r[===   ] 7000/11129  63%')).toBe(0.63);
    expect(percentFromOutput('created 5292 files')).toBeNull();
    const r = recordingRunner({
      rules: [{ match: ['unsquashfs'], respond: { stdout: '\r[=] 1/4  25%\r[==] 2/4  50%' } }],
    });
    const ctx = ctxWith(r);
    await runStep({ ...base, id: 'extract:payload', kind: 'extract', source: 'payload' }, ctx);
    expect(ctx.fractions).toEqual([0.45, 0.9, 1]);
    expect(argvs(r)).toEqual([
      'unsquashfs -f -d /target /media/payload.squashfs',
      'sync -f /target',
    ]);
  });
  it('fails clearly without a payload', async () => {
    await expect(
      runStep(
        { ...base, id: 'extract:payload', kind: 'extract', source: 'payload' },
        ctxWith(recordingRunner(), { payload: null }),
      ),
    ).rejects.toThrow(/no payload/);
  });
});

describe('configure', () => {
  it('writes files with mode and substituted secrets via stdin only', async () => {
    const r = recordingRunner();
    await runStep(
      {
        ...base,
        id: 'files:system',
        kind: 'write-files',
        files: [
          { path: '/etc/hostname', mode: '0644', content: 'node1\n' },
          {
            path: '/etc/openve/node.json',
            mode: '0600',
            content: '{"token":"@@SECRET:cluster-token@@"}',
          },
          {
            path: '/etc/localtime',
            mode: '0777',
            content: '',
            symlink: '/usr/share/zoneinfo/Europe/Vienna',
          },
        ],
      },
      ctxWith(r),
    );
    expect(argvs(r)).toEqual([TAR_X]);
    expect(unpacked(r, 0)).toEqual([
      ['/etc/hostname', '0644', 'file', 'node1\n', 0, 0],
      ['/etc/openve/node.json', '0600', 'file', '{"token":"tok-123"}', 0, 0],
      ['/etc/localtime', '0777', 'symlink', '/usr/share/zoneinfo/Europe/Vienna', 0, 0],
    ]);
  });
  it('substituteSecrets names the file and secret when a secret is missing', () => {
    expect(
      substituteSecrets(
        'a @@SECRET:root-password@@',
        { rootPassword: { kind: 'plain', value: 'x' } },
        '/f',
      ),
    ).toEqual({ text: 'a x', used: ['x'] });
    expect(() =>
      substituteSecrets('@@SECRET:cluster-token@@', {}, '/etc/openve/node.json'),
    ).toThrow(/\/etc\/openve\/node.json: the plan needs secret 'cluster-token'/);
  });
  it('hashes a plain root password on the live system and sets it with chpasswd -e, both via stdin', async () => {
    const r = recordingRunner({
      rules: [{ match: ['mkpasswd'], respond: { stdout: '$y$j9T$salt$hash\n' } }],
    });
    await runStep(
      { ...base, id: 'password:root', kind: 'root-password', secret: 'root-password' },
      ctxWith(r),
    );
    expect(r.calls.map((c) => [c.argv.join(' '), c.input])).toEqual([
      ['mkpasswd -m yescrypt --stdin', `${PW}\n`],
      ['chroot /target chpasswd -e', 'root:$y$j9T$salt$hash\n'],
    ]);
  });
  it('falls back to openssl passwd -6 without mkpasswd', async () => {
    const r = recordingRunner({
      rules: [
        { match: ['mkpasswd'], respond: { exitCode: 127 } },
        { match: ['openssl'], respond: { stdout: '$6$salt$hash\n' } },
      ],
    });
    await runStep(
      { ...base, id: 'password:root', kind: 'root-password', secret: 'root-password' },
      ctxWith(r),
    );
    expect(r.calls[2]?.input).toBe('root:$6$salt$hash\n');
  });
  it('passes a hashed answer straight to chpasswd -e', async () => {
    const r = recordingRunner();
    await runStep(
      { ...base, id: 'password:root', kind: 'root-password', secret: 'root-password' },
      ctxWith(r, { secrets: { rootPassword: { kind: 'hashed', hash: '$6$abc$def' } } }),
    );
    expect(r.calls.map((c) => [c.argv.join(' '), c.input])).toEqual([
      ['chroot /target chpasswd -e', 'root:$6$abc$def\n'],
    ]);
  });
  it('installs SSH keys 0600 in a 0700 root-owned directory', async () => {
    const r = recordingRunner();
    await runStep(
      {
        ...base,
        id: 'ssh-keys:root',
        kind: 'ssh-keys',
        user: 'root',
        keys: ['ssh-ed25519 AAA a', 'ssh-rsa BBB b'],
      },
      ctxWith(r),
    );
    expect(argvs(r)).toEqual([TAR_X]);
    expect(unpacked(r, 0)).toEqual([
      ['/root/.ssh', '0700', 'dir', null, 0, 0],
      ['/root/.ssh/authorized_keys', '0600', 'file', 'ssh-ed25519 AAA a\nssh-rsa BBB b\n', 0, 0],
    ]);
  });
  it('chroot commands and machine-id reset', async () => {
    const r = recordingRunner();
    const ctx = ctxWith(r);
    await runStep(
      {
        ...base,
        id: 'units:enable',
        kind: 'chroot',
        commands: [['systemctl', 'enable', 'x.service']],
      },
      ctx,
    );
    await runStep({ ...base, id: 'machine-id:reset', kind: 'machine-id' }, ctx);
    expect(argvs(r)).toEqual([
      'chroot /target systemctl enable x.service',
      TAR_X,
      'rm -f /target/var/lib/dbus/machine-id',
    ]);
    expect(unpacked(r, 1)).toEqual([['/etc/machine-id', '0444', 'file', '', 0, 0]]);
  });
  it('first boot: installs the hook from the medium and enables the unit for the ordering', async () => {
    const r = recordingRunner();
    await runStep(
      {
        ...base,
        id: 'first-boot:hook',
        kind: 'first-boot',
        source: 'from-iso',
        ordering: 'before-network',
      },
      ctxWith(r),
    );
    const a = argvs(r);
    expect(a[0]).toBe(
      'install -D -m 0755 -o 0 -g 0 /media/hook /target/var/lib/openve/first-boot/hook',
    );
    expect(a[2]).toBe('chroot /target systemctl enable openve-first-boot-before-network.service');
  });
  it('first boot: warns (does not fail) when the unit or the hook is missing', async () => {
    const r = recordingRunner({ rules: [{ match: ['test'], respond: { exitCode: 1 } }] });
    const ctx = ctxWith(r, { firstBootHook: null });
    await runStep(
      {
        ...base,
        id: 'first-boot:hook',
        kind: 'first-boot',
        source: 'from-iso',
        ordering: 'fully-up',
      },
      ctx,
    );
    expect(
      ctx.events.filter((e) => e.type === 'warning').map((e) => ('text' in e ? e.text : '')),
    ).toEqual([
      'first-boot source is from-iso but the install medium has no first-boot hook',
      'openve-first-boot-fully-up.service is not in the payload: the first-boot hook will not run',
    ]);
    expect(argvs(r).some((a) => a.includes('systemctl'))).toBe(false);
  });
});

describe('bootloader', () => {
  it('BIOS on every disk, UEFI plus a copy at the removable path, secondary ESPs synced, no update-grub; the live system grub-install, not the chroot (it runs beside the extraction)', async () => {
    const r = recordingRunner();
    const ctx = ctxWith(r);
    await runStep(
      {
        ...base,
        id: 'bootloader:grub',
        kind: 'bootloader',
        biosDisks: ['/dev/vda', '/dev/vdb'],
        espDevices: ['/dev/vda2', '/dev/vdb2'],
      },
      ctx,
    );
    expect(argvs(r)).toEqual([
      'mkdir -p /target/boot/efi',
      'mount -t vfat /dev/vda2 /target/boot/efi',
      'grub-install --target=i386-pc --boot-directory=/target/boot --recheck /dev/vda',
      'grub-install --target=i386-pc --boot-directory=/target/boot --recheck /dev/vdb',
      'grub-install --target=x86_64-efi --boot-directory=/target/boot --efi-directory=/target/boot/efi --bootloader-id=openve --no-nvram',
      'mkdir -p /target/boot/efi/EFI/BOOT',
      'cp /target/boot/efi/EFI/openve/grubx64.efi /target/boot/efi/EFI/BOOT/BOOTX64.EFI',
      'mkdir -p /run/openve-install/esp-2',
      'mount -t vfat /dev/vdb2 /run/openve-install/esp-2',
      'cp -rT /target/boot/efi /run/openve-install/esp-2',
      'umount /run/openve-install/esp-2',
      'rmdir /run/openve-install/esp-2',
    ]);
    expect(ctx.state.mounts).toEqual(['/target/boot/efi']);
    expect(ctx.fractions[ctx.fractions.length - 1]).toBe(1);
  });
});

describe('bootloader under eatmydata', () => {
  it('runs every grub-install behind the no-fsync prefix, and nothing else', async () => {
    const r = recordingRunner();
    await runStep(
      {
        ...base,
        id: 'bootloader:grub',
        kind: 'bootloader',
        biosDisks: ['/dev/vda'],
        espDevices: ['/dev/vda2'],
      },
      ctxWith(r, { noFsync: ['/usr/bin/eatmydata'] }),
    );
    expect(argvs(r).filter((a) => a.includes('grub-install'))).toEqual([
      '/usr/bin/eatmydata grub-install --target=i386-pc --boot-directory=/target/boot --recheck /dev/vda',
      '/usr/bin/eatmydata grub-install --target=x86_64-efi --boot-directory=/target/boot --efi-directory=/target/boot/efi --bootloader-id=openve --no-nvram',
    ]);
    expect(argvs(r).filter((a) => a.startsWith('/usr/bin/eatmydata'))).toHaveLength(2);
  });
});

describe('bootloader without GRUB on the installer system', () => {
  it('says which packages are missing instead of a bare exit 127', async () => {
    const r = recordingRunner();
    r.failOn(['grub-install'], { exitCode: 127, stderr: 'grub-install: not found' });
    await expect(
      runStep(
        {
          ...base,
          id: 'bootloader:grub',
          kind: 'bootloader',
          biosDisks: ['/dev/vda'],
          espDevices: ['/dev/vda2'],
        },
        ctxWith(r),
      ),
    ).rejects.toThrow(/grub-install is not on this installer system.*grub-pc-bin/);
  });
});

describe('finalize', () => {
  it('unmounts one by one, newest first, when something outside the target was mounted', async () => {
    const r = recordingRunner();
    const ctx = ctxWith(r, { installLogPath: null, answerRedacted: null });
    ctx.state.mounts.push('/target', '/target/dev', '/run/openve-install/esp-2');
    await runStep({ ...base, id: 'finalize', kind: 'finalize' }, ctx);
    expect(argvs(r).filter((a) => a.startsWith('umount'))).toEqual([
      'umount /run/openve-install/esp-2',
      'umount /target/dev',
      'umount /target',
    ]);
    expect(ctx.state.mounts).toEqual([]);
  });
  it('copies log and redacted answer, unmounts newest first, deactivates VGs, syncs', async () => {
    const r = recordingRunner();
    const ctx = ctxWith(r);
    ctx.state.mounts.push('/target', '/target/dev', '/target/boot/efi');
    ctx.state.vgs.add('openve');
    await runStep({ ...base, id: 'finalize', kind: 'finalize' }, ctx);
    expect(argvs(r)).toEqual([
      TAR_X,
      'install -m 0600 /tmp/openve-install.log /target/var/log/openve-install/install.log',
      'sync',
      'umount --recursive /target',
      'vgchange -an openve',
      'sync',
    ]);
    expect(ctx.state.mounts).toEqual([]);
    expect(unpacked(r, 0)).toEqual([
      ['/var/log/openve-install', '0700', 'dir', null, 0, 0],
      [
        '/var/log/openve-install/answer.toml',
        '0600',
        'file',
        'root-password = "<redacted>"\n',
        0,
        0,
      ],
    ]);
  });
});

describe('helpers', () => {
  it('parses lsblk JSON and orders descendants deepest first', () => {
    const nodes = parseLsblk(
      JSON.stringify({
        blockdevices: [
          {
            name: '/dev/sda',
            type: 'disk',
            mountpoints: [null],
            children: [
              {
                name: '/dev/sda1',
                type: 'part',
                mountpoints: ['/a', null],
                children: [{ name: '/dev/dm-0', type: 'lvm', mountpoints: ['[SWAP]'] }],
              },
            ],
          },
        ],
      }),
    );
    expect(descendantsDeepestFirst(nodes).map((n) => [n.name, n.mountpoints])).toEqual([
      ['/dev/dm-0', ['[SWAP]']],
      ['/dev/sda1', ['/a']],
    ]);
    expect(parseLsblk('')).toEqual([]);
  });
  it('lists mounts under a root, deepest first, exact prefix only', () => {
    expect(
      mountsUnder(
        '/\n/target\n/target/dev/pts\n/target/dev\n/target2\n/target/a\\x20b\n',
        '/target',
      ),
    ).toEqual(['/target/dev/pts', '/target/dev', '/target/a b', '/target']);
  });
  it('redacts answer-file secrets but keeps the rest', () => {
    const text =
      '[global]\nroot-password = "passw0rd-fixture"\nfqdn = "a.b"\n[cluster]\ntoken = "tok-9f8e7d6c"\nx = "passw0rd-fixture"\n';
    const out = redact(redactAnswerText(text), [PW, 'tok-9f8e7d6c']); // as auto does it
    expect(out).toContain('root-password = "<redacted>"');
    expect(out).toContain('token = "<redacted>"');
    expect(out).toContain('fqdn = "a.b"');
    expect(out).toContain('x = "***"');
    expect(out).not.toContain(PW);
    expect(out).not.toContain('tok-9f8e7d6c');
  });
});
