// The tiny guest with a memory balloon: the same counter initramfs plus the Debian kernel's virtio
// modules (virtio_pci, virtio_balloon) loaded by init, so `virsh setmem --live` moves the
// guest's memory and libvirt reports it (a guest without the driver keeps all of it).
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { CommandRunner } from '../../../lib/exec/index.ts';
import { CACHE, cpioEntry, tinyGuest } from './tinyGuest.ts';

/** in load order (each after what it depends on) */
const MODULES = [
  'virtio_ring',
  'virtio',
  'virtio_pci_legacy_dev',
  'virtio_pci_modern_dev',
  'virtio_pci',
  'virtio_balloon',
];

const INIT = `#!/bin/busybox sh
/bin/busybox mkdir -p /dev /proc
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox mount -t proc proc /proc
${MODULES.map((m) => `/bin/busybox insmod /lib/${m}.ko`).join('\n')}
i=0
while true; do echo "counter $i" > /dev/ttyS0; i=$((i+1)); /bin/busybox usleep 100000; done
`;

export async function balloonGuest(
  runner: CommandRunner,
): Promise<{ kernel: string; initrd: string }> {
  const { kernel } = await tinyGuest(runner);
  const initrd = path.join(CACHE, 'initrd-balloon.cpio');
  if (existsSync(initrd)) return { kernel, initrd };
  const mods = path.join(CACHE, 'virtio-modules');
  if (!MODULES.every((m) => existsSync(path.join(mods, `${m}.ko`)))) {
    const deb = readdirSync(CACHE).find((f) => /^linux-image-6.*-amd64_.*\.deb$/.test(f));
    if (!deb) throw new Error(`no kernel package in ${CACHE}`);
    const x = path.join(CACHE, 'x-balloon');
    await runner.run(['dpkg-deb', '-x', path.join(CACHE, deb), x], { timeoutMs: 600_000 });
    const [release] = readdirSync(path.join(x, 'lib/modules'));
    mkdirSync(mods, { recursive: true });
    for (const m of MODULES)
      copyFileSync(
        path.join(x, 'lib/modules', release as string, 'kernel/drivers/virtio', `${m}.ko`),
        path.join(mods, `${m}.ko`),
      );
    rmSync(x, { recursive: true, force: true });
  }
  const entries: [string, number, Buffer][] = [
    ['bin', 0o040755, Buffer.alloc(0)],
    ['dev', 0o040755, Buffer.alloc(0)],
    ['proc', 0o040755, Buffer.alloc(0)],
    ['lib', 0o040755, Buffer.alloc(0)],
    ['bin/busybox', 0o100755, readFileSync('/bin/busybox')],
    ['init', 0o100755, Buffer.from(INIT)],
    ...MODULES.map((m): [string, number, Buffer] => [
      `lib/${m}.ko`,
      0o100644,
      readFileSync(path.join(mods, `${m}.ko`)),
    ]),
  ];
  writeFileSync(
    initrd,
    Buffer.concat([
      ...entries.map(([n, mode, d], i) => cpioEntry(n, mode, d, i + 1)),
      cpioEntry('TRAILER!!!', 0, Buffer.alloc(0), 0),
    ]),
  );
  return { kernel, initrd };
}
