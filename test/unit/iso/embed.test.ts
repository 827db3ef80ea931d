import { describe, expect, it } from 'vitest';
import {
  compareBoot,
  embedArgv,
  parseBootSignature,
  parseLsl,
  parseVolumeId,
  probeArgv,
} from '../../../iso/prepare/embed.ts';

// `xorriso -indev X -pvd_info -report_el_torito plain -report_system_area plain -lsl /openve` on a grub-mkrescue ISO
const REPORT = `Volume Id    : OPENVE
El Torito catalog  : 1547  1
El Torito boot img :   1  BIOS  y   none  0x0000  0x00      4        2893
El Torito boot img :   2  UEFI  y   none  0x0000  0x00   5760         106
El Torito img path :   1  /boot/grub/i386-pc/eltorito.img
El Torito img opts :   1  boot-info-table grub2-boot-info
El Torito img path :   2  /efi.img
System area summary: MBR protective-msdos-label grub2-mbr cyl-align-off GPT
GPT partname local :   1  Gap0
GPT partname local :   2  EFI boot partition
GPT partition path :   2  /efi.img
GPT partname local :   3  Gap1
total 2
-rw-------    1 0        0               9 Nov 25 17:27 'answer.toml'
-rwxr-xr-x    1 0        0              18 Nov 25 17:27 'first-boot'
`;

describe('xorriso report parsing', () => {
  it('boot signature without LBAs', () => {
    expect(parseBootSignature(REPORT)).toEqual({
      elTorito: ['BIOS /boot/grub/i386-pc/eltorito.img', 'UEFI /efi.img'],
      systemArea: 'MBR protective-msdos-label grub2-mbr cyl-align-off GPT',
      gptPartitions: ['Gap0', 'EFI boot partition /efi.img', 'Gap1'],
    });
  });
  it('volume id and /openve listing', () => {
    expect(parseVolumeId(REPORT)).toBe('OPENVE');
    expect(parseVolumeId('nothing')).toBeUndefined();
    expect(parseLsl(REPORT)).toEqual(['answer.toml', 'first-boot']);
  });
  it('compareBoot names what was lost', () => {
    const before = parseBootSignature(REPORT);
    const after = parseBootSignature(
      REPORT.replace(/^.*UEFI.*$/m, '')
        .replace('GPT\n', '\n')
        .replace(/^GPT partition path.*$/m, ''),
    );
    expect(compareBoot(before, before)).toEqual([]);
    expect(compareBoot(before, after)).toEqual([
      'El Torito boot image "UEFI /efi.img" is missing',
      'system area changed from "MBR protective-msdos-label grub2-mbr cyl-align-off GPT" to "MBR protective-msdos-label grub2-mbr cyl-align-off"',
      'GPT partition "EFI boot partition /efi.img" is missing',
    ]);
  });
});

describe('probeArgv', () => {
  it('asks for the report the parsers above read', () => {
    expect(probeArgv('/a.iso', '/openve').join(' ')).toBe(
      'xorriso -indev /a.iso -pvd_info -report_el_torito plain -report_system_area plain -lsl /openve',
    );
  });
});

describe('embedArgv', () => {
  it('replays the boot equipment, keeps the volume id, maps files with owner root and fixed modes', () => {
    const add = [
      { source: '/x/answer.toml', isoPath: '/openve/answer.toml', mode: '0600' as const },
      { source: '/x/hook', isoPath: '/openve/first-boot', mode: '0755' as const },
    ];
    expect(
      embedArgv({ inIso: '/a.iso', outIso: '/b.iso', volumeId: 'OPENVE', remove: [], add }),
    ).toEqual([
      'xorriso',
      '-return_with',
      'SORRY',
      '32',
      '-indev',
      '/a.iso',
      '-outdev',
      '/b.iso',
      '-boot_image',
      'any',
      'replay',
      '-volid',
      'OPENVE',
      '-map',
      '/x/answer.toml',
      '/openve/answer.toml',
      '-chown',
      '0',
      '/openve/answer.toml',
      '--',
      '-chgrp',
      '0',
      '/openve/answer.toml',
      '--',
      '-chmod',
      '0600',
      '/openve/answer.toml',
      '--',
      '-map',
      '/x/hook',
      '/openve/first-boot',
      '-chown',
      '0',
      '/openve/first-boot',
      '--',
      '-chgrp',
      '0',
      '/openve/first-boot',
      '--',
      '-chmod',
      '0755',
      '/openve/first-boot',
      '--',
      '-commit',
    ]);
  });
  it('removes a stale hook', () => {
    const argv = embedArgv({
      inIso: '/a',
      outIso: '/b',
      volumeId: 'V',
      remove: ['/openve/first-boot'],
      add: [{ source: '/x', isoPath: '/openve/answer.toml', mode: '0600' }],
    });
    expect(argv.join(' ')).toContain(
      '-volid V -rm /openve/first-boot -- -map /x /openve/answer.toml',
    );
    expect(argv).not.toContain('0755');
  });
});
