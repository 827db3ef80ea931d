// Builds a fake root (proc, sys, dev, run) in a temporary directory from a flat spec, so
// detectHardware can be run against a recorded machine without root, disks or udev.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type Entry = string | Uint8Array | { link: string } | { dir: true };

export function buildRoot(spec: Record<string, Entry>): string {
  const root = mkdtempSync(join(tmpdir(), 'openve-sysroot-'));
  for (const [p, e] of Object.entries(spec)) {
    const abs = join(root, p);
    mkdirSync(dirname(abs), { recursive: true });
    if (typeof e === 'string' || e instanceof Uint8Array) writeFileSync(abs, e);
    else if ('link' in e) symlinkSync(e.link, abs);
    else mkdirSync(abs, { recursive: true });
  }
  return root;
}

/** A block device under /sys/devices with its /sys/block link and attributes. */
export function blockDevice(
  devpath: string,
  attrs: Record<string, string>,
  device?: { rel: string; attrs: Record<string, Entry> },
): Record<string, Entry> {
  const name = devpath.split('/').pop()!;
  const dir = `/sys${devpath}`;
  const spec: Record<string, Entry> = { [`/sys/block/${name}`]: { link: `..${devpath}` } };
  for (const [k, v] of Object.entries(attrs)) spec[`${dir}/${k}`] = v;
  if (device) {
    spec[`${dir}/device`] = { link: device.rel };
    const devDir = join(dir, device.rel);
    for (const [k, v] of Object.entries(device.attrs)) spec[`${devDir}/${k}`] = v;
  }
  return spec;
}
