// Pure parsers for what detection reads: lsblk/ip JSON, /proc files, udevadm output, SCSI VPD.
// No I/O here, so every format is tested against recorded samples (test/fixtures/hardware/raw/).
import type { DiskKind, Transport } from '../../contracts/hardware/types.ts';

export { parseLsblk, type LsblkRow } from '../../lib/parse/lsblk.ts';

/** DiskKind from the kernel name and lsblk TYPE. */
export function diskKind(name: string, lsblkType: string): DiskKind {
  if (/^loop\d/.test(name) || lsblkType === 'loop') return 'loop';
  if (/^sr\d/.test(name) || lsblkType === 'rom') return 'rom';
  if (/^(z?ram)\d/.test(name)) return 'ram';
  if (/^md\d/.test(name) || lsblkType.startsWith('raid') || lsblkType === 'md') return 'md';
  if (/^dm-\d/.test(name) || ['lvm', 'crypt', 'dm', 'mpath'].includes(lsblkType)) return 'dm';
  // floppy (QEMU -M pc has one), network and replicated block devices
  if (/^(fd|nbd|zd|drbd|rbd)\d/.test(name)) return 'other';
  return lsblkType === 'disk' || lsblkType === '' ? 'disk' : 'other';
}

/** Transport from lsblk TRAN, falling back on the kernel name (virtio-blk has no TRAN). */
export function transport(name: string, tran: string): Transport {
  switch (tran.toLowerCase()) {
    case 'sata':
      return 'sata';
    case 'ata':
      return 'ide';
    case 'sas':
      return 'sas';
    case 'nvme':
      return 'nvme';
    case 'usb':
      return 'usb';
    case 'mmc':
      return 'mmc';
    case 'virtio':
      return 'virtio';
    case 'spi':
    case 'fc':
    case 'iscsi':
    case 'sbp':
    case 'scsi':
      return 'scsi';
  }
  if (/^vd[a-z]+$/.test(name)) return 'virtio';
  if (/^nvme\d+n\d+$/.test(name)) return 'nvme';
  if (/^mmcblk\d+$/.test(name)) return 'mmc';
  if (/^hd[a-z]+$/.test(name)) return 'ide';
  return 'unknown';
}

/** Normalised WWN: `0x5002538f41234567` for NAA ids (as udev's ID_WWN), `eui.…`/`t10.…` kept. */
export function normaliseWwn(raw: string): string | null {
  const w = raw.trim().replace(/\0/g, '');
  if (!w) return null;
  const naa = /^naa\.([0-9a-f]+)$/i.exec(w);
  if (naa) return `0x${naa[1]!.toLowerCase()}`;
  return w;
}

/** Serial from SCSI VPD page 0x80 (sysfs `device/vpd_pg80`; libata fills it from ATA IDENTIFY). */
export function parseVpd80(buf: Uint8Array): string {
  if (buf.length < 4 || buf[1] !== 0x80) return '';
  const len = (buf[2]! << 8) | buf[3]!;
  return Buffer.from(buf.subarray(4, 4 + len))
    .toString('latin1')
    .replace(/\0/g, '')
    .trim();
}

export { parseIpLink, type IpLink } from '../../lib/parse/ip.ts';

// ---------- /proc ----------

export interface CpuFacts {
  model: string;
  vendor: string;
  cores: number;
  threads: number;
  virtualization: 'vmx' | 'svm' | null;
}

export function parseCpuinfo(text: string): CpuFacts {
  const blocks = text
    .split(/\n\s*\n/)
    .map((b) => {
      const fields = new Map<string, string>();
      for (const line of b.split('\n')) {
        const i = line.indexOf(':');
        if (i > 0) fields.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
      }
      return fields;
    })
    .filter((f) => f.has('processor'));
  const first = blocks[0] ?? new Map<string, string>();
  const flags = new Set((first.get('flags') ?? '').split(/\s+/));
  const threads = blocks.length;
  const coreIds = new Set<string>();
  const sockets = new Set<string>();
  for (const b of blocks) {
    const phys = b.get('physical id');
    const core = b.get('core id');
    if (phys !== undefined) sockets.add(phys);
    if (phys !== undefined && core !== undefined) coreIds.add(`${phys}:${core}`);
  }
  const perSocket = Number(first.get('cpu cores') ?? 0);
  const cores = coreIds.size || (perSocket ? perSocket * Math.max(1, sockets.size) : threads);
  return {
    model: first.get('model name') ?? '',
    vendor: first.get('vendor_id') ?? '',
    cores,
    threads,
    virtualization: flags.has('vmx') ? 'vmx' : flags.has('svm') ? 'svm' : null,
  };
}

/** MemTotal in bytes (what the kernel can use; what Proxmox's installer sizes swap from). */
export function parseMeminfo(text: string): number {
  const m = /^MemTotal:\s+(\d+)\s*kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : 0;
}

export interface MountEntry {
  source: string;
  target: string;
  fstype: string;
}

/** /proc/mounts, with its octal escapes (`\040` for a space) decoded. */
export function parseMounts(text: string): MountEntry[] {
  const unescape = (s: string) =>
    s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return text
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f.length >= 3)
    .map(([source, target, fstype]) => ({
      source: unescape(source!),
      target: unescape(target!),
      fstype: fstype!,
    }));
}

// ---------- udev ----------

/**
 * `udevadm info --query=property DEV...` output, one record per device. systemd 257 (trixie) prints
 * the records back to back, each starting with DEVPATH=; others separate them by a blank line.
 */
export function parseUdevProperties(text: string): Record<string, string>[] {
  const records: Record<string, string>[] = [];
  let cur: Record<string, string> = {};
  const flush = () => {
    if (Object.keys(cur).length > 0) records.push(cur);
    cur = {};
  };
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i <= 0) {
      if (line.trim() === '') flush();
      continue;
    }
    const key = line.slice(0, i);
    if (key === 'DEVPATH' && 'DEVPATH' in cur) flush();
    cur[key] = line.slice(i + 1);
  }
  flush();
  return records;
}

/** A sysfs `uevent` file (KEY=VALUE lines). */
export function parseUevent(text: string): Record<string, string> {
  return parseUdevProperties(text)[0] ?? {};
}
