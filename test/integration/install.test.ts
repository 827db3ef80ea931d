// Real installs onto sparse loop devices (root only): ext4-LVM, xfs-LVM, btrfs RAID1 on two
// disks, each inspected from outside. Host limits and how they are handled: helpers/host-runner.ts.
import { describe, expect, it } from 'vitest';
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { isRoot } from './helpers/loops.ts';
import { answerToml, FIXTURE_PASSWORD, TEST_SSH_KEY } from './helpers/answers.ts';
import {
  installOnRig,
  installRig,
  rigLeftovers,
  sh,
  shTry,
  withInstalledRoot,
  type InstallRun,
} from './helpers/install.ts';
import {
  FIRST_BOOT_HOOK_PATH,
  FIRST_BOOT_UNITS,
  INSTALL_LOG_DIR,
} from '../../contracts/node/types.ts';

describe.skipIf(!isRoot())('install onto loop devices', () => {
  const rig = installRig(2);

  const names = () => rig.loops.disks.map((d) => d.name);

  /** the install succeeded and left nothing mounted, active or attached */
  function expectClean(run: InstallRun) {
    expect(run.error).toBeUndefined();
    expect(run.ok).toBe(true);
    expect(rigLeftovers(rig)).toEqual([]);
  }

  function checkProgress(run: InstallRun) {
    const ratios = run.events.flatMap((e) => (e.type === 'progress' ? [e.ratio] : []));
    expect(ratios.length).toBeGreaterThan(run.plan.steps.length);
    for (let i = 1; i < ratios.length; i++)
      expect(ratios[i]).toBeGreaterThanOrEqual(ratios[i - 1] as number);
    expect(ratios[ratios.length - 1]).toBe(1);
    const last = run.events[run.events.length - 1];
    expect(last).toMatchObject({ type: 'finished', ok: true });
    // extraction reports progress inside the step when the tool draws one (unsquashfs)
    const extractRatios = run.events.filter(
      (e) => e.type === 'progress' && e.step === 'extract:payload',
    );
    expect(extractRatios.length).toBeGreaterThan(2);
  }

  function checkPartitions(run: InstallRun) {
    for (const step of run.plan.steps) {
      if (step.kind !== 'partition') continue;
      const table = sh('sgdisk', ['-p', step.device]);
      for (const p of step.partitions) {
        const row = table.split('\n').find((l) => l.trim().startsWith(`${p.number} `));
        expect(row, `${step.device} partition ${p.number}`).toBeDefined();
        expect(row).toContain(p.typeCode);
        expect(row).toContain(p.name);
        if (p.sizeMiB !== null) {
          const [, start, end] = (row as string).trim().split(/\s+/);
          expect((Number(end) - Number(start) + 1) * 512).toBe(p.sizeMiB * 1024 * 1024);
        }
      }
    }
  }

  function checkLvSizes(run: InstallRun) {
    const lvm = run.plan.steps.find((s) => s.kind === 'lvm');
    if (!lvm || lvm.kind !== 'lvm') return;
    const rows = sh('lvs', [
      '--noheadings',
      '--units',
      'm',
      '--nosuffix',
      '-o',
      'lv_name,lv_size',
      lvm.vg,
    ])
      .trim()
      .split('\n');
    const sizes = Object.fromEntries(
      rows.map((r) => r.trim().split(/\s+/)).map(([n, s]) => [n, Number(s)]),
    );
    for (const v of lvm.volumes) expect(sizes[v.name], `LV ${v.name}`).toBe(v.sizeMiB);
  }

  async function checkTarget(run: InstallRun, fstype: string) {
    const files = run.plan.steps.flatMap((s) => (s.kind === 'write-files' ? s.files : []));
    const dbgLog = readFileSync(rig.ws.logPath, 'utf8');
    await withInstalledRoot(run, rig.shim, (root) => {
      const at = (p: string) => path.join(root, p);
      // rendered files, byte for byte (those without secrets)
      for (const f of files) {
        if (f.symlink !== undefined) {
          expect(readlinkSync(at(f.path)), f.path).toBe(f.symlink);
          continue;
        }
        const got = readFileSync(at(f.path), 'utf8');
        if (f.content.includes('@@SECRET:')) expect(got).not.toContain('@@SECRET:');
        else expect(got, f.path).toBe(f.content);
        expect((statSync(at(f.path)).mode & 0o777).toString(8).padStart(4, '0')).toBe(f.mode);
      }
      // fstab UUIDs resolve to real filesystems of the right type
      const fstab = readFileSync(at('/etc/fstab'), 'utf8');
      const uuids = [...fstab.matchAll(/^UUID=(\S+)\s+\S+\s+(\S+)/gm)];
      expect(uuids.length).toBeGreaterThanOrEqual(2);
      for (const [, uuid, type] of uuids) {
        const dev = shTry('blkid', ['-U', uuid as string]).stdout.trim();
        expect(dev, `UUID ${uuid}`).not.toBe('');
        expect(sh('blkid', ['-o', 'value', '-s', 'TYPE', dev]).trim()).toBe(type);
      }
      expect(fstab).toMatch(new RegExp(`\\s/\\s+${fstype}\\s`));
      // password: hashed, set through chpasswd -e
      const shadowRoot =
        readFileSync(at('/etc/shadow'), 'utf8')
          .split('\n')
          .find((l) => l.startsWith('root:')) ?? '';
      expect(shadowRoot).toMatch(/^root:\$(y|6)\$/);
      // ssh keys
      expect(readFileSync(at('/root/.ssh/authorized_keys'), 'utf8')).toBe(`${TEST_SSH_KEY}\n`);
      expect(statSync(at('/root/.ssh/authorized_keys')).mode & 0o777).toBe(0o600);
      expect(statSync(at('/root/.ssh')).mode & 0o777).toBe(0o700);
      expect(statSync(at('/root/.ssh/authorized_keys')).uid).toBe(0);
      // machine id reset, first-boot hook installed and its unit enabled
      expect(readFileSync(at('/etc/machine-id'), 'utf8')).toBe('');
      expect(existsSync(at('/var/lib/dbus/machine-id'))).toBe(false);
      expect(statSync(at(FIRST_BOOT_HOOK_PATH)).mode & 0o777).toBe(0o755);
      expect(
        lstatSync(
          at(`/etc/systemd/system/multi-user.target.wants/${FIRST_BOOT_UNITS['network-online']}`),
        ).isSymbolicLink(),
      ).toBe(true);
      // evidence on the target, secrets redacted
      expect(readFileSync(at(`${INSTALL_LOG_DIR}/answer.toml`), 'utf8')).toContain(
        'root-password = "<redacted>"',
      );
      expect(readFileSync(at(`${INSTALL_LOG_DIR}/install.log`), 'utf8')).toContain(
        '== extract:payload',
      );
      // the plaintext password nowhere: target, log, progress output
      const grep = shTry('grep', [
        '-r',
        '-l',
        '-F',
        '-s',
        '--devices=skip',
        FIXTURE_PASSWORD,
        root,
      ]);
      expect(grep.stdout.trim(), 'files containing the plaintext password').toBe('');
      expect(grep.status).toBe(1);
    });
    expect(dbgLog).not.toContain(FIXTURE_PASSWORD);
    expect(run.stdout).not.toContain(FIXTURE_PASSWORD);
    // argv never carried it either (the runner refuses; recorded calls prove it)
    expect(run.runner.calls.some((c) => c.argv.join(' ').includes(FIXTURE_PASSWORD))).toBe(false);
    expect(
      run.runner.calls.some((c) => c.argv[0] === 'mkpasswd' && c.input?.includes(FIXTURE_PASSWORD)),
    ).toBe(true);
  }

  function checkBootloaderCalls(run: InstallRun) {
    // the live system's grub-install (beside the extraction), never the target's in a chroot
    expect(
      run.runner.calls.some((c) => c.argv[0] === 'chroot' && c.argv[2] === 'grub-install'),
    ).toBe(false);
    const grub = run.runner.calls
      .filter((c) => c.argv[0] === 'grub-install')
      .map((c) => c.argv.join(' '));
    expect(
      grub.some(
        (g) =>
          g.includes('--target=x86_64-efi') &&
          g.includes('--no-nvram') &&
          !g.includes('--removable'),
      ),
    ).toBe(true);
    // the removable path gets a copy of that image, and grub.cfg comes from the plan: no update-grub
    expect(run.runner.calls.map((c) => c.argv.join(' '))).toContain(
      `cp ${rig.ws.target}/boot/efi/EFI/openve/grubx64.efi ${rig.ws.target}/boot/efi/EFI/BOOT/BOOTX64.EFI`,
    );
    expect(run.runner.calls.some((c) => c.argv.includes('update-grub'))).toBe(false);
    const bios = run.plan.steps.flatMap((s) => (s.kind === 'bootloader' ? s.biosDisks : []));
    for (const d of bios)
      expect(grub).toContain(
        `grub-install --target=i386-pc --boot-directory=${rig.ws.target}/boot --recheck ${d}`,
      );
  }

  it('ext4 on LVM-thin, one disk (squashfs rig.payload)', async () => {
    const answer = answerToml({ filesystem: 'ext4', disks: [names()[0] as string] });
    const run = await installOnRig(rig, answer, rig.payload.squashfs);
    expectClean(run);
    checkProgress(run);
    checkPartitions(run);
    checkLvSizes(run);
    checkBootloaderCalls(run);
    await checkTarget(run, 'ext4');
  });

  it('xfs on LVM-thin, one disk, over the previous install (tar.zst rig.payload)', async () => {
    const answer = answerToml({ filesystem: 'xfs', disks: [names()[0] as string] });
    const run = await installOnRig(rig, answer, rig.payload.tarZst);
    expectClean(run);
    checkPartitions(run);
    checkLvSizes(run);
    await checkTarget(run, 'xfs');
    // a tar payload: real progress from tar's checkpoints against the size recorded beside it
    const copying = run.events.flatMap((e) =>
      e.type === 'progress' &&
      e.step === 'extract:payload' &&
      e.text.startsWith('Copying the system: ')
        ? [e]
        : [],
    );
    // at most one a second, and the last figure when tar ends: here (well under a second) two
    expect(copying.length).toBeGreaterThanOrEqual(2);
    for (const e of copying)
      expect(e.text).toMatch(/^Copying the system: \d+ of \d+ MiB(, about .+ left)?$/);
    const [, done, total] = /(\d+) of (\d+)/.exec(copying[copying.length - 1]?.text ?? '') ?? [];
    expect(Number(done)).toBeGreaterThan(Number(total) * 0.9); // the last checkpoint is near the recorded size
    expect(
      run.events.some(
        (e) => e.type === 'message' && /^Copied the system \(\d+ MiB\) in \d+\.\d s$/.test(e.text),
      ),
    ).toBe(true);
  });

  it('a re-run after a killed installer (target still mounted, VG active) wipes the leftovers and succeeds', async () => {
    const answer = answerToml({ filesystem: 'ext4', disks: [names()[0] as string] });
    const first = await installOnRig(rig, answer, rig.payload.tarZst);
    expect(first.ok).toBe(true);
    // what a SIGKILLed install leaves: the VG active, root mounted at the target, /proc bound into it
    await rig.shim.runner().run(['vgchange', '-ay', 'openve']);
    sh('mkdir', ['-p', rig.ws.target]);
    sh('mount', ['/dev/openve/root', rig.ws.target]);
    sh('mount', ['--bind', '/proc', `${rig.ws.target}/proc`]);
    expect(rigLeftovers(rig).length).toBeGreaterThan(0);
    const again = await installOnRig(rig, answer, rig.payload.squashfs);
    expectClean(again);
    const wipe = again.runner.calls.map((c) => c.argv.join(' '));
    expect(wipe).toContain(`umount ${rig.ws.target}/proc`);
    expect(wipe).toContain('vgchange -an openve');
  });

  it("the extraction yardstick (auto --measure-extraction) times the payload alone on the plan's own btrfs RAID1, leaves nothing mounted and the disks blank, and an install over it succeeds", async () => {
    const answer = answerToml({ filesystem: 'btrfs', disks: names(), raid: 'raid1' });
    const bench = await installOnRig(rig, answer, rig.payload.squashfs, undefined, true);
    expectClean(bench);
    // only the storage steps, the extraction and finalize ran: nothing after the extraction
    const ran = bench.runner.calls.map((c) => c.argv[0]);
    expect(ran).toContain('mkfs.btrfs');
    expect(ran).toContain('unsquashfs');
    expect(ran).not.toContain('grub-install');
    expect(ran).not.toContain('mkpasswd');
    const kinds = bench.plan.steps.map((s) => s.kind);
    expect(kinds.slice(-4)).toEqual(['extract', 'finalize', 'wipe', 'wipe']);
    for (const k of ['bootloader', 'root-password', 'machine-id', 'first-boot'] as const)
      expect(kinds).not.toContain(k);
    const figure = bench.events.flatMap((e) =>
      e.type === 'message' && e.text.startsWith('extract-seconds=') ? [e.text] : [],
    );
    expect(figure).toHaveLength(1);
    expect(Number(figure[0]?.split('=')[1])).toBeGreaterThan(0);
    // the copy landed on the RAID1 file system the install will make: mounted before it, unmounted after
    const fs = bench.plan.steps.find((s) => s.kind === 'mkfs-btrfs');
    if (fs?.kind !== 'mkfs-btrfs') throw new Error('no btrfs step');
    const calls = bench.runner.calls.map((c) => c.argv.join(' '));
    const mounted = calls.findIndex((c) => c.startsWith('mount ') && c.includes(fs.devices[0]!));
    const copied = calls.findIndex((c) => c.startsWith('unsquashfs '));
    const unmounted = calls.findIndex(
      (c, i) => i > copied && c.startsWith('umount ') && c.endsWith(rig.ws.target),
    );
    expect(mounted).toBeGreaterThan(-1);
    expect(copied).toBeGreaterThan(mounted);
    expect(unmounted).toBeGreaterThan(copied);
    // then wiped again: no file system, no partition table left on either disk
    expect(shTry('btrfs', ['filesystem', 'show', fs.uuid]).stdout).not.toContain(fs.uuid);
    for (const d of rig.loops.disks) expect(sh('wipefs', ['--no-act', d.path]).trim()).toBe('');
    // and the install that follows starts from what the yardstick left
    const run = await installOnRig(rig, answer, rig.payload.squashfs);
    expectClean(run);
    await checkTarget(run, 'btrfs');
  });

  it('btrfs RAID1 on two disks', async () => {
    const answer = answerToml({ filesystem: 'btrfs', disks: names(), raid: 'raid1' });
    const run = await installOnRig(rig, answer, rig.payload.squashfs);
    expectClean(run);
    checkPartitions(run);
    checkBootloaderCalls(run);
    const fs = run.plan.steps.find((s) => s.kind === 'mkfs-btrfs');
    if (fs?.kind !== 'mkfs-btrfs') throw new Error('no btrfs step');
    const show = sh('btrfs', ['filesystem', 'show', fs.uuid]);
    for (const d of fs.devices) expect(show).toContain(d);
    await checkTarget(run, 'btrfs');
    // both profiles are RAID1 and the subvolumes exist
    await withInstalledRoot(run, rig.shim, (root) => {
      const df = sh('btrfs', ['filesystem', 'df', root]);
      expect(df).toMatch(/Data, RAID1/);
      expect(df).toMatch(/Metadata, RAID1/);
      const subs = sh('btrfs', ['subvolume', 'list', root]);
      for (const sv of fs.subvolumes) expect(subs).toMatch(new RegExp(`path ${sv}$`, 'm'));
    });
  });
});
