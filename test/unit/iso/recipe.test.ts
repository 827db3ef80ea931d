import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ISO_DIR,
  LIVE,
  TARGET,
  parsePackageList,
  readRecipeFiles,
  renderGrubEnv,
  stageKey,
  squashfsArgv,
} from '../../../iso/recipe/recipe.ts';
import { UserError } from '../../../lib/errors.ts';

describe('package lists', () => {
  it('parses names, skipping comments and blank lines', () => {
    expect(parsePackageList('# c\nlxc\n\n qemu-utils  # inline\n')).toEqual(['lxc', 'qemu-utils']);
  });
  it('names the line of a bad entry', () => {
    expect(() => parsePackageList('lxc\nrm -rf /\n', 'target.list')).toThrow(
      /target.list:2: 'rm -rf \/' is not a Debian package name/,
    );
  });
  it('the target list has every docs/design.md §4 package, the live list the disk tools', () => {
    const target = parsePackageList(readFileSync(path.join(ISO_DIR, TARGET.packageList), 'utf8'));
    for (const p of [
      'linux-image-amd64',
      'qemu-system-x86',
      'qemu-utils',
      'lxc',
      'corosync',
      'ifupdown2',
      'openssh-server',
      'chrony',
      'lvm2',
      'thin-provisioning-tools',
      'btrfs-progs',
      'xfsprogs',
      'dosfstools',
      'grub-pc-bin',
      'grub-efi-amd64-bin',
      'grub2-common',
      'nodejs',
    ])
      expect(target).toContain(p);
    const live = parsePackageList(readFileSync(path.join(ISO_DIR, LIVE.packageList), 'utf8'));
    for (const p of [
      'live-boot',
      'live-boot-initramfs-tools',
      'nodejs',
      'gdisk',
      'lvm2',
      'squashfs-tools',
      'zstd',
      'whois',
      'btrfs-progs',
      'xfsprogs',
    ])
      expect(live).toContain(p);
  });
});

describe('stage cache keys', () => {
  const files = readRecipeFiles(TARGET);
  it('are stable for the same inputs', () => {
    expect(stageKey(TARGET, files, 15)).toBe(stageKey(TARGET, { ...files }, 15));
    expect(stageKey(TARGET, files, 15)).toMatch(/^target-[0-9a-f]{16}$/);
  });
  it('change with a package list, a script, the zstd level or the recipe revision', () => {
    const k = stageKey(TARGET, files, 15);
    expect(
      stageKey(TARGET, { ...files, [TARGET.packageList]: `${files[TARGET.packageList]}\nvim` }, 15),
    ).not.toBe(k);
    expect(stageKey(TARGET, { ...files, [TARGET.setupScript]: '#!/bin/sh\n' }, 15)).not.toBe(k);
    expect(stageKey(TARGET, files, 19)).not.toBe(k);
    expect(stageKey({ ...TARGET, revision: TARGET.revision + 1 }, files, 15)).not.toBe(k);
  });
  it('ignore comment lines and blank lines of the scripts and lists, not commands or #! lines', () => {
    const k = stageKey(TARGET, files, 15);
    const script = files[TARGET.setupScript]!;
    const edited = (text: string) => stageKey(TARGET, { ...files, [TARGET.setupScript]: text }, 15);
    expect(edited(`${script}\n# a new comment\n\n   # indented, too\n`)).toBe(k);
    expect(edited(script.replace(/^# .*$/m, '# reworded'))).toBe(k);
    const list = `# why these\n\n${files[TARGET.packageList]}`;
    expect(stageKey(TARGET, { ...files, [TARGET.packageList]: list }, 15)).toBe(k);
    expect(edited(`${script}\necho more\n`)).not.toBe(k);
    expect(edited(script.replace('#!/bin/sh', '#!/bin/bash'))).not.toBe(k);
  });
});

describe('squashfsArgv', () => {
  it('zstd in 1 MiB blocks (the measured choice), extra options last', () => {
    expect(squashfsArgv('/t', '/o.squashfs', ['-all-root']).join(' ')).toBe(
      'mksquashfs /t /o.squashfs -comp zstd -b 1M -noappend -no-progress -quiet -all-root',
    );
  });
});

describe('grub environment', () => {
  it('renders plain kernel parameters', () => {
    expect(renderGrubEnv(['openve.bench-extract=/dev/vda', 'quiet'])).toBe(
      'set openve_extra="openve.bench-extract=/dev/vda quiet"\n',
    );
  });
  it('refuses anything GRUB could interpret', () => {
    for (const bad of ['a"; reboot; "', 'x=$(id)', 'a b', 'k=v;v'])
      expect(() => renderGrubEnv([bad]), bad).toThrow(UserError);
  });
});

describe('boot menu', () => {
  const cfg = readFileSync(path.join(ISO_DIR, 'grub/grub.cfg'), 'utf8');
  it('has Install, unattended and rescue entries, each with a serial-console variant', () => {
    for (const title of [
      'Install',
      'Install (unattended)',
      'Rescue shell',
      'Install (serial console)',
      'Install (unattended, serial console)',
      'Rescue shell (serial console)',
    ])
      expect(cfg).toContain(`menuentry "${title}"`);
    const linux = cfg.split('\n').filter((l) => l.trim().startsWith('linux '));
    expect(linux).toHaveLength(6);
    for (const l of linux) expect(l).toMatch(/boot=live .*console=ttyS0,115200n8/);
    // serial variants make ttyS0 the primary console (last console= wins)
    expect(linux.filter((l) => /console=ttyS0,115200n8( |$)(?!.*console=)/.test(l))).toHaveLength(
      3,
    );
  });
  it('defaults to the unattended entry when an answer or the auto flag is on the medium', () => {
    expect(cfg).toMatch(/if \[ -f \/openve\/answer.toml \]; then set default=auto/);
    expect(cfg).toMatch(/if \[ -f \/openve\/auto \]; then set default=auto/);
  });
});
