// The runner integration tests (and the bench) use on THIS host, whose kernel has neither vfat
// nor device-mapper (docs/design.md §5; checked: /proc/misc has no device-mapper, /proc/filesystems no
// vfat). Everything runs for real through the real runner except:
//   - `mount -t vfat` / its `umount`, `grub-install` (and the copy of its EFI image): recorded and answered with
//     success (the ESP stays an empty directory; booting is verified in QEMU by the ISO tests).
//   - LVM activation: pvcreate/vgcreate/lvcreate write REAL metadata (lvcreate with
//     `--driverloaded n -an`), and each linear LV is mapped the way device-mapper would map it,
//     with a loop device over its extents (offset = pe_start + first PE x extent size), linked as
//     /dev/<vg>/<lv>. The thin pool is created as a linear LV of the same size (dm-thin cannot be
//     created without the kernel driver); its metadata LV is therefore not created here.
//     `vgchange -an` detaches those loop devices; `vgchange -ay` maps them again (inspection).
import { existsSync } from 'node:fs';
import { realRunner } from '../../../lib/exec/runner.ts';
import { recordingRunner, type RecordingRunner } from '../../../lib/exec/recording.ts';
import type { CommandRunner, RunOptions } from '../../../lib/exec/types.ts';

export interface HostShim {
  /** a fresh recording runner sharing this shim's state (mapped LVs, fake vfat mounts) */
  runner(log?: (line: string) => void, secrets?: () => readonly string[]): RecordingRunner;
  /** LV loop devices currently mapped, by VG */
  mapped: Map<string, { lv: string; loop: string }[]>;
  fakeMounts: Set<string>;
  /** detach every mapping (afterAll) */
  teardown(): Promise<void>;
}

const real = realRunner();
const lvmQuiet = { env: { LVM_SUPPRESS_FD_WARNINGS: '1' } };

function withoutDm(argv: readonly string[]): string[] {
  const [cmd, ...rest] = argv;
  return [cmd as string, '--driverloaded', 'n', ...rest];
}

async function mapLv(shim: HostShim, vg: string, lv: string): Promise<void> {
  const seg = await real.run(
    [
      'lvs',
      '--noheadings',
      '--units',
      'b',
      '--nosuffix',
      '-o',
      'seg_pe_ranges,vg_extent_size,segtype',
      `${vg}/${lv}`,
    ],
    lvmQuiet,
  );
  const lines = seg.stdout.trim().split('\n').filter(Boolean);
  if (lines.length !== 1)
    throw new Error(
      `host shim: ${vg}/${lv} has ${lines.length} segments; only single-segment LVs are emulated`,
    );
  const [ranges, extentStr] = (lines[0] as string).trim().split(/\s+/);
  const m = /^(.+):(\d+)-(\d+)$/.exec(ranges ?? '');
  if (!m) throw new Error(`host shim: cannot parse PE ranges '${ranges}' of ${vg}/${lv}`);
  const [, pv, first, last] = m as unknown as [string, string, string, string];
  const extent = Number(extentStr);
  const peStart = Number(
    (
      await real.run(
        ['pvs', '--noheadings', '--units', 'b', '--nosuffix', '-o', 'pe_start', pv],
        lvmQuiet,
      )
    ).stdout.trim(),
  );
  const offset = peStart + Number(first) * extent;
  const size = (Number(last) - Number(first) + 1) * extent;
  const loop = (
    await real.run([
      'losetup',
      '-f',
      '--show',
      '-o',
      String(offset),
      '--sizelimit',
      String(size),
      pv,
    ])
  ).stdout.trim();
  // recorded before anything else can fail, so teardown always detaches it
  const list = shim.mapped.get(vg) ?? [];
  list.push({ lv, loop });
  shim.mapped.set(vg, list);
  // this kernel has no device-mapper, so /dev/mapper may not exist (teardown removes it if it made it)
  await real.run(['mkdir', '-p', `/dev/${vg}`, '/dev/mapper']);
  await real.run(['ln', '-sfn', loop, `/dev/${vg}/${lv}`]);
  await real.run([
    'ln',
    '-sfn',
    loop,
    `/dev/mapper/${vg.replace(/-/g, '--')}-${lv.replace(/-/g, '--')}`,
  ]);
}

async function unmapVg(shim: HostShim, vg: string): Promise<void> {
  for (const { lv, loop } of shim.mapped.get(vg) ?? []) {
    await real.run(['losetup', '-d', loop], { reject: false });
    await real.run([
      'rm',
      '-f',
      `/dev/${vg}/${lv}`,
      `/dev/mapper/${vg.replace(/-/g, '--')}-${lv.replace(/-/g, '--')}`,
    ]);
  }
  await real.run(['rmdir', `/dev/${vg}`], { reject: false });
  shim.mapped.delete(vg);
}

function lvcreateToLinear(argv: readonly string[]): { argv: string[]; vg: string; lv: string } {
  const out: string[] = ['lvcreate', '--driverloaded', 'n', '-an', '-Zn', '-Wn'];
  let lv = '';
  const rest = argv.slice(1);
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a === '--type' || a === '--poolmetadatasize' || a === '--wipesignatures') {
      i++; // thin-pool -> linear; signatures/zeroing need an active LV
      continue;
    }
    if (a === '-n') lv = rest[i + 1] ?? '';
    out.push(a);
  }
  const vg = rest[rest.length - 1] ?? '';
  return { argv: out, vg, lv };
}

export function hostShim(): HostShim {
  const madeMapperDir = !existsSync('/dev/mapper');
  const shim: HostShim = {
    mapped: new Map(),
    fakeMounts: new Set(),
    runner(log, secrets) {
      const passthrough = realRunner(log);
      const fallback: CommandRunner = {
        run(argv, options?: RunOptions) {
          const cmd = argv[0];
          if (cmd === 'pvcreate' || cmd === 'vgcreate' || cmd === 'vgrename' || cmd === 'vgremove')
            return passthrough.run(withoutDm(argv), options);
          return passthrough.run(argv, options);
        },
      };
      const r = recordingRunner({ fallback, log, secrets });
      r.on({
        name: 'no-vfat: mount',
        match: ['mount', '-t', 'vfat'],
        respond: (argv) => (shim.fakeMounts.add(argv[argv.length - 1] as string), {}),
      });
      r.on({
        name: 'no-vfat: umount',
        match: (argv) =>
          argv[0] === 'umount' && shim.fakeMounts.has(argv[argv.length - 1] as string),
        respond: (argv) => (shim.fakeMounts.delete(argv[argv.length - 1] as string), {}),
      });
      // a recursive unmount of the target also ends the pretend vfat mounts below it
      r.on({
        name: 'no-vfat: umount --recursive',
        match: (argv) => argv[0] === 'umount' && argv[1] === '--recursive',
        respond: async (argv, options) => {
          const dir = argv[argv.length - 1] as string;
          for (const m of [...shim.fakeMounts])
            if (m === dir || m.startsWith(`${dir}/`)) shim.fakeMounts.delete(m);
          return passthrough.run(argv, { ...options, reject: false });
        },
      });
      r.on({
        name: 'no-grub-on-loop',
        match: (argv) =>
          argv[0] === 'grub-install' ||
          (argv[0] === 'chroot' && (argv[2] === 'grub-install' || argv[2] === 'update-grub')),
      });
      // the EFI image that grub-install (recorded above) would have made, copied to the removable path
      r.on({
        name: 'no-grub-on-loop: removable copy',
        match: (argv) => argv[0] === 'cp' && (argv[1] ?? '').endsWith('/EFI/openve/grubx64.efi'),
      });
      r.on({
        name: 'no-dm: lvcreate',
        match: ['lvcreate'],
        respond: async (argv, options) => {
          const { argv: linear, vg, lv } = lvcreateToLinear(argv);
          const res = await passthrough.run(linear, { ...options, reject: false });
          if (res.exitCode !== 0) return res;
          if (!argv.includes('thin-pool')) await mapLv(shim, vg, lv);
          return res;
        },
      });
      r.on({
        name: 'no-dm: vgchange',
        match: ['vgchange'],
        respond: async (argv, options) => {
          const vg = argv[argv.length - 1] as string;
          const res = await passthrough.run(withoutDm(argv), { ...options, reject: false });
          if (argv.includes('-an')) await unmapVg(shim, vg);
          if (argv.includes('-ay') && !shim.mapped.has(vg)) {
            const lvs = await real.run(
              ['lvs', '--noheadings', '-o', 'lv_name,lv_layout', vg],
              lvmQuiet,
            );
            for (const line of lvs.stdout.trim().split('\n').filter(Boolean)) {
              const [name] = line.trim().split(/\s+/);
              if (name) await mapLv(shim, vg, name);
            }
          }
          return { exitCode: res.exitCode, stdout: res.stdout, stderr: res.stderr };
        },
      });
      return r;
    },
    async teardown() {
      for (const vg of [...shim.mapped.keys()]) await unmapVg(shim, vg);
      if (madeMapperDir) await real.run(['rmdir', '/dev/mapper'], { reject: false }); // only if empty
    },
  };
  return shim;
}
