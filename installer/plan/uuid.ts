// Deterministic filesystem identifiers, so fstab can be rendered in the (pure) plan and the
// executor passes them to mkfs (`mkfs.ext4 -U`, `mkfs.xfs -m uuid=`, `mkswap -U`, `mkfs.btrfs -U`,
// `mkfs.vfat -i`). Inputs are stable facts: disk serials/WWNs, the FQDN and the role.
import { createHash } from 'node:crypto';

/** RFC 4122 name-based UUID (version 5, SHA-1) in the openve namespace. */
const NAMESPACE = Buffer.from('6f70656e-7665-4d2d-8000-706c616e6e65'.replace(/-/g, ''), 'hex');

export function uuidV5(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  const b = Buffer.from(hash.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** FAT volume id as blkid and fstab show it: 'ABCD-1234' (mkfs.vfat -i takes it without the dash). */
export function vfatVolumeId(name: string): string {
  const h = createHash('sha256')
    .update(`openve-vfat:${name}`, 'utf8')
    .digest('hex')
    .slice(0, 8)
    .toUpperCase();
  return `${h.slice(0, 4)}-${h.slice(4)}`;
}
