// The boot loader files of the plan: what GRUB is told for each root layout, and that GRUB's own
// parser (grub-script-check, from grub-common) accepts the menu.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bootFiles, GRUB_CFG_PATH, GRUB_DEFAULTS_PATH } from '../../../installer/plan/boot.ts';
import { buildPlan, KERNEL_CMDLINE } from '../../../installer/plan/buildPlan.ts';
import type { BootSpec } from '../../../installer/plan/storage.ts';
import { answers, fixture } from './helpers.ts';

const U = '11111111-2222-5333-8444-555555555555';
const lvmExt4: BootSpec = {
  rootUuid: U,
  fstype: 'ext4',
  lvm: true,
  rootParam: '/dev/mapper/openve-root',
  subvolume: null,
};
const btrfs: BootSpec = {
  rootUuid: U,
  fstype: 'btrfs',
  lvm: false,
  rootParam: `UUID=${U}`,
  subvolume: '@',
};

const cfgOf = (b: BootSpec) =>
  bootFiles(b, KERNEL_CMDLINE).find((f) => f.path === GRUB_CFG_PATH)!.content;
const linuxLines = (cfg: string) =>
  cfg
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^(linux|initrd|insmod|search) /.test(l));

describe('bootFiles', () => {
  it('LVM root: lvm and ext2 modules, the root LV by device-mapper name, the /vmlinuz link', () => {
    const lines = linuxLines(cfgOf(lvmExt4));
    expect(lines.slice(0, 6)).toEqual([
      'insmod gzio',
      'insmod part_gpt',
      'insmod lvm',
      'insmod ext2',
      `search --no-floppy --fs-uuid --set=root ${U}`,
      'linux /vmlinuz root=/dev/mapper/openve-root ro console=tty0 console=ttyS0,115200n8',
    ]);
    expect(lines).toContain('initrd /initrd.img');
    expect(lines).toContain(
      'linux /vmlinuz root=/dev/mapper/openve-root ro single console=tty0 console=ttyS0,115200n8',
    );
    expect(lines).toContain(
      'linux /vmlinuz.old root=/dev/mapper/openve-root ro console=tty0 console=ttyS0,115200n8',
    );
  });
  it('xfs root loads the xfs module', () => {
    expect(linuxLines(cfgOf({ ...lvmExt4, fstype: 'xfs' }))).toContain('insmod xfs');
  });
  it('btrfs root: paths inside the @ subvolume, rootflags, UUID root, no lvm', () => {
    const cfg = cfgOf(btrfs);
    const lines = linuxLines(cfg);
    expect(lines).toContain(
      `linux /@/vmlinuz root=UUID=${U} ro rootflags=subvol=@ console=tty0 console=ttyS0,115200n8`,
    );
    expect(lines).toContain('initrd /@/initrd.img');
    expect(lines).toContain('insmod btrfs');
    expect(lines).not.toContain('insmod lvm');
  });
  it('menu and kernel on the screen and the first serial port, also for update-grub', () => {
    const [defaults, cfg] = bootFiles(lvmExt4, KERNEL_CMDLINE);
    expect(defaults?.path).toBe(GRUB_DEFAULTS_PATH);
    expect(defaults?.content).toContain('GRUB_CMDLINE_LINUX="console=tty0 console=ttyS0,115200n8"');
    expect(defaults?.content).toContain('GRUB_TERMINAL="console serial"');
    expect(defaults?.content).toContain(
      'GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1"',
    );
    expect(cfg?.content).toContain('terminal_output console serial');
    expect(cfg?.mode).toBe('0444');
  });
  it('refuses a kernel command line that would break the shell-quoted defaults file', () => {
    expect(() => bootFiles(lvmExt4, 'console=ttyS0 a="b"')).toThrow(/quote, backslash/);
  });
  it('every plan carries grub.cfg and the defaults in files:system', () => {
    const p = buildPlan(answers(), fixture('single-sata'));
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    const files = p.value.steps.find((s) => s.kind === 'write-files');
    expect(files?.kind === 'write-files' && files.files.map((f) => f.path)).toEqual(
      expect.arrayContaining([GRUB_CFG_PATH, GRUB_DEFAULTS_PATH]),
    );
    expect(p.value.steps.find((s) => s.kind === 'bootloader')).toBeDefined();
  });
  it.skipIf(!existsSync('/usr/bin/grub-script-check'))(
    'GRUB parses every variant (grub-script-check)',
    () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'openve-grub-'));
      try {
        for (const [i, b] of [lvmExt4, { ...lvmExt4, fstype: 'xfs' as const }, btrfs].entries()) {
          const f = path.join(dir, `grub-${i}.cfg`);
          writeFileSync(f, cfgOf(b));
          // exits non-zero and names the line on a syntax error
          execFileSync('grub-script-check', [f], { stdio: 'pipe' });
        }
        writeFileSync(path.join(dir, 'broken.cfg'), 'menuentry x {\n');
        expect(() =>
          execFileSync('grub-script-check', [path.join(dir, 'broken.cfg')], { stdio: 'pipe' }),
        ).toThrow();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
