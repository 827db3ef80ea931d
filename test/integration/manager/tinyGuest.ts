// The tiny TCG guest of the manager's integration test: a Debian kernel (from Debian's package,
// cached) + an initramfs of busybox-static whose init prints a counter on ttyS0 every 100 ms.
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

export const CACHE = '/var/cache/openve/manager-test';

const INIT = `#!/bin/busybox sh
/bin/busybox mkdir -p /dev /proc
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox mount -t proc proc /proc
i=0
while true; do echo "counter $i" > /dev/ttyS0; i=$((i+1)); /bin/busybox usleep 100000; done
`;

/** One newc cpio entry (the initramfs format the kernel unpacks). */
export function cpioEntry(name: string, mode: number, data: Buffer, ino: number): Buffer {
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const nameBuf = Buffer.from(`${name}\0`);
  const header = `070701${hex(ino)}${hex(mode)}${hex(0)}${hex(0)}${hex(1)}${hex(0)}${hex(data.length)}${hex(0)}${hex(0)}${hex(0)}${hex(0)}${hex(nameBuf.length)}${hex(0)}`;
  const pad = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
  const head = Buffer.concat([Buffer.from(header), nameBuf]);
  return Buffer.concat([head, pad(head.length), data, pad(data.length)]);
}

export function buildInitramfs(busybox: string): Buffer {
  const entries: [string, number, Buffer][] = [
    ['bin', 0o040755, Buffer.alloc(0)],
    ['dev', 0o040755, Buffer.alloc(0)],
    ['proc', 0o040755, Buffer.alloc(0)],
    ['bin/busybox', 0o100755, readFileSync(busybox)],
    ['init', 0o100755, Buffer.from(INIT)],
  ];
  return Buffer.concat([
    ...entries.map(([n, m, d], i) => cpioEntry(n, m, d, i + 1)),
    cpioEntry('TRAILER!!!', 0, Buffer.alloc(0), 0),
  ]);
}

/** Kernel + initramfs paths, built once into the cache. */
export async function tinyGuest(
  runner: CommandRunner,
): Promise<{ kernel: string; initrd: string }> {
  mkdirSync(CACHE, { recursive: true });
  const kernel = path.join(CACHE, 'vmlinuz');
  const initrd = path.join(CACHE, 'initrd.cpio');
  if (!existsSync(kernel)) {
    let deb = readdirSync(CACHE).find((f) => /^linux-image-6.*-amd64_.*\.deb$/.test(f));
    if (!deb) {
      const dep = (await runner.run(['apt-cache', 'depends', 'linux-image-amd64'])).stdout.match(
        /Depends: (linux-image-6\S+-amd64)/,
      )?.[1];
      if (!dep) throw new Error('cannot find the kernel package linux-image-amd64 depends on');
      await runner.run(['apt-get', 'download', dep], { cwd: CACHE, timeoutMs: 600_000 });
      deb = readdirSync(CACHE).find((f) => /^linux-image-6.*-amd64_.*\.deb$/.test(f));
    }
    const x = path.join(CACHE, 'x');
    await runner.run(['dpkg-deb', '-x', path.join(CACHE, deb as string), x], {
      timeoutMs: 600_000,
    });
    const vmlinuz = readdirSync(path.join(x, 'boot')).find((f) => f.startsWith('vmlinuz-'));
    if (!vmlinuz) throw new Error('no vmlinuz in the kernel package');
    copyFileSync(path.join(x, 'boot', vmlinuz), kernel);
    rmSync(x, { recursive: true, force: true });
  }
  if (!existsSync(initrd)) writeFileSync(initrd, buildInitramfs('/bin/busybox'));
  return { kernel, initrd };
}
