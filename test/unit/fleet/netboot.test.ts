// netboot.ts: the cpio appended to the ISO's initrd (a live-boot component fetching every live
// layer and checking its sha256, and the BOOTIF NIC taken without live-boot's ~8 s search), checked
// with real cpio, sh and sha256sum.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRunner } from '../../../lib/exec/index.ts';
import {
  initrdPadding,
  NETBOOT_COMPONENT,
  netbootCpio,
  netbootScript,
} from '../../../provision/fleet/netboot.ts';
import { extentSha256, liveLayers, parseReportLba } from '../../../provision/fleet/iso.ts';
import { kernelCmdline } from '../../../provision/fleet/ipxe.ts';

const runner = createRunner('real');
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
/** what the stand-in wget below writes for a layer */
const content = (layer: string) => `layer ${layer}`;
const LAYERS = ['filesystem.squashfs', 'openve.squashfs'].map((name) => ({
  name,
  sha256: sha256(content(name)),
}));

const MACHINE = {
  base: 'http://10.88.0.1',
  secureBase: 'https://10.88.0.1:8443',
  fingerprint: 'AB',
  token: 't',
  layer: 'filesystem.squashfs',
  payload: true,
};

describe('netboot', () => {
  it('the live layers are the squashfs files of /live, in name order', () => {
    const extents = parseReportLba(
      [
        "File data lba:  0 ,   138647 ,      432 ,   884736 , '/live/openve.squashfs'",
        "File data lba:  0 ,     9536 ,   107138 , 219418624 , '/live/filesystem.squashfs'",
        "File data lba:  0 ,   116674 ,    21973 , 45000323 , '/live/initrd.img'",
        "File data lba:  0 ,   145023 ,   191420 , 392027167 , '/openve/payload.tar.zst'",
      ].join('\n'),
    );
    expect(liveLayers(extents)).toEqual(['filesystem.squashfs', 'openve.squashfs']);
    expect(() => netbootScript([{ name: 'x; rm -rf /', sha256: '0'.repeat(64) }])).toThrow(
      /not a squashfs name/,
    );
    expect(() => netbootScript([{ name: 'a.squashfs', sha256: '$(reboot)' }])).toThrow(
      /a\.squashfs: sha256 \$\(reboot\): not 64 hex digits/,
    );
  });

  it('the kernel line fetches the first layer and streams the payload, never the whole ISO', () => {
    const line = kernelCmdline(MACHINE);
    expect(line).toContain('fetch=http://10.88.0.1/live/filesystem.squashfs ');
    expect(line).toContain('openve.payload=http://10.88.0.1/openve/payload.tar.zst ');
    expect(line).not.toMatch(/\.iso\b/);
  });

  it("by default hands out the ISO's unattended GRUB entry's console arguments (quiet included)", () => {
    const grub = readFileSync(path.join(import.meta.dirname, '../../../iso/grub/grub.cfg'), 'utf8');
    const entry = /--id auto \{\n\s*linux \S+ (.*)\n/.exec(grub)?.[1];
    expect(entry).toBeDefined();
    const wanted = (entry ?? '')
      .split(/\s+/)
      .filter((a) => a && a !== 'boot=live' && a !== 'openve.auto=1' && !a.startsWith('$'));
    expect(wanted).toContain('quiet');
    const line = kernelCmdline(MACHINE).split(' ');
    for (const a of wanted) expect(line).toContain(a);
    // --kernel-args replaces them
    const custom = kernelCmdline({ ...MACHINE, extra: ['console=ttyS1'] }).split(' ');
    expect(custom).toContain('console=ttyS1');
    expect(custom).not.toContain('quiet');
  });

  it('is a newc cpio holding the live-boot component, valid shell naming every layer', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fleet-netboot-'));
    try {
      const archive = netbootCpio(LAYERS);
      expect(archive.length % 4).toBe(0);
      writeFileSync(path.join(dir, 'a.cpio'), archive);
      const list = await runner.run(['cpio', '-it', '-F', path.join(dir, 'a.cpio')]);
      expect(list.stdout.trim()).toBe(NETBOOT_COMPONENT);
      await runner.run(['cpio', '-idm', '-F', path.join(dir, 'a.cpio')], { cwd: dir });
      const file = path.join(dir, NETBOOT_COMPONENT);
      expect(statSync(file).mode & 0o777).toBe(0o755);
      const script = readFileSync(file, 'utf8');
      expect(script).toContain(
        `OPENVE_LAYERS="filesystem.squashfs:${LAYERS[0]!.sha256} openve.squashfs:${LAYERS[1]!.sha256}"`,
      );
      expect(script).toMatch(/^do_httpmount \(\)$/m);
      expect(script).toMatch(/^Select_eth_device \(\)$/m);
      await runner.run(['sh', '-n', file]); // parses
      // sourced after live-boot's components (name order): 9999 sorts after every 9990-*
      expect(path.basename(NETBOOT_COMPONENT) > '9990-toram-todisk.sh').toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /**
   * do_httpmount with stand-ins for the initramfs commands (mount/umount/wget record their
   * arguments; wget writes `served(layer)` to its -O file) and the host's real sha256sum.
   */
  async function httpmount(served: (layer: string) => string) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fleet-netboot-'));
    try {
      const bin = path.join(dir, 'bin');
      await runner.run(['mkdir', '-p', bin, path.join(dir, 'medium')]);
      for (const cmd of ['mount', 'umount'])
        writeFileSync(path.join(bin, cmd), `#!/bin/sh\necho "${cmd} $*" >>${dir}/calls\n`, {
          mode: 0o755,
        });
      writeFileSync(
        path.join(bin, 'wget'),
        [
          '#!/bin/sh',
          `echo "wget $*" >>${dir}/calls`,
          'while [ $# -gt 0 ]; do [ "$1" = -O ] && out=$2; shift; done',
          'case "$out" in',
          ...LAYERS.map((l) => `*/${l.name}) printf '%s' '${served(l.name)}' >"$out" ;;`),
          'esac',
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
      writeFileSync(
        path.join(dir, 'run.sh'),
        [
          'log_begin_msg() { :; }',
          'log_end_msg() { :; }',
          `. ${path.join(dir, 'component.sh')}`,
          'FETCH=http://10.88.0.1/live/filesystem.squashfs',
          `mountpoint=${dir}/medium`,
          'LIVE_MEDIA_PATH=live',
          'do_httpmount',
          '',
        ].join('\n'),
      );
      writeFileSync(path.join(dir, 'component.sh'), netbootScript(LAYERS));
      const r = await runner.run(['sh', path.join(dir, 'run.sh')], {
        env: { PATH: `${bin}:/usr/bin:/bin` },
        reject: false,
      });
      return {
        exitCode: r.exitCode,
        stdout: r.stdout,
        calls: readFileSync(path.join(dir, 'calls'), 'utf8')
          .split('\n')
          .map((l) => l.replaceAll(dir, 'DIR')),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('do_httpmount fetches every layer from the directory of fetch= and checks its sha256', async () => {
    const r = await httpmount(content);
    expect(r.calls).toEqual([
      'mount -t ramfs ram DIR/medium',
      'wget -q http://10.88.0.1/live/filesystem.squashfs -O DIR/medium/live/filesystem.squashfs',
      'wget -q http://10.88.0.1/live/openve.squashfs -O DIR/medium/live/openve.squashfs',
      '',
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/openve: filesystem\.squashfs: sha256 checked \([\d.]+ -> [\d.]+ s/);
  });

  it("do_httpmount refuses a layer whose bytes are not the ISO's (plain HTTP): unmounts, stops", async () => {
    // the first layer altered on the way (or a stale cache's copy of another ISO's)
    const r = await httpmount((l) => (l === 'filesystem.squashfs' ? 'tampered' : content(l)));
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(
      `openve: http://10.88.0.1/live/filesystem.squashfs: sha256 ${sha256('tampered')}, expected ${LAYERS[0]!.sha256}: not used`,
    );
    expect(r.calls).toEqual([
      'mount -t ramfs ram DIR/medium',
      'wget -q http://10.88.0.1/live/filesystem.squashfs -O DIR/medium/live/filesystem.squashfs',
      'umount DIR/medium',
      '',
    ]);
  });

  it('the server hashes a layer from its extent in the ISO', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fleet-netboot-'));
    try {
      const iso = Buffer.concat([
        Buffer.alloc(4096, 1),
        Buffer.from('the layer'),
        Buffer.alloc(7, 2),
      ]);
      writeFileSync(path.join(dir, 'x.iso'), iso);
      expect(await extentSha256(path.join(dir, 'x.iso'), { start: 4096, size: 9 })).toBe(
        sha256('the layer'),
      );
      expect(await extentSha256(path.join(dir, 'x.iso'), { start: 4096, size: 0 })).toBe(
        sha256(''),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pads the ISO initrd so the appended archive starts 4-byte aligned', () => {
    expect(initrdPadding(45000323).length).toBe(1);
    expect(initrdPadding(45000324).length).toBe(0);
    expect(initrdPadding(45000322).length).toBe(2);
  });
});
