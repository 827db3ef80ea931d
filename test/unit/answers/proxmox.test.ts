// Proxmox VE answer files must work unchanged (docs/design.md §3), except ZFS, refused with one message.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAnswers } from '../../../installer/answers/parse.ts';
import { ZFS_NOT_SUPPORTED } from '../../../installer/answers/checks.ts';
import { formatIssue } from '../../../lib/errors.ts';

const dir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../fixtures/answers/proxmox',
);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.toml'))
  .sort();
const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
const zfsLine = `disk-setup.filesystem: ${ZFS_NOT_SUPPORTED}`;

/** Proxmox's parse-time failures, and what we say. (fqdn_from_dhcp_no_default_domain and
 * no_fqdn_from_dhcp fail in Proxmox only at install time, when DHCP sends no name: valid files.) */
const EXPECTED_FAILURES: Record<string, string[]> = {
  'test-fail-both-password-and-hashed-set.toml': [
    'global: root-password and root-password-hashed cannot both be set; keep one',
  ],
  'test-fail-btrfs-raid-single-disk.toml': [
    'disk-setup.disk-list: btrfs RAID1 needs at least 2 disks, got 1',
  ],
  'test-fail-duplicate-disk.toml': [
    "disk-setup.disk-list[2]: 'sda' is listed twice (also disk-list[0])",
  ],
  'test-fail-fqdn-hostname-only.toml': [
    "global.fqdn: 'foobar' is not a fully qualified domain name: it needs a domain, e.g. 'foobar.example.com'",
  ],
  'test-fail-ipv4-and-subnet-mask-33.toml': [
    "network.cidr: '10.10.10.10/33': prefix length must be a number from 1 to 32",
  ],
  'test-fail-lvm-swapsize-greater-than-hdsize.toml': [
    'disk-setup.lvm.swapsize: 16.01 GiB cannot be greater than 16 GiB (lvm.hdsize / 2)',
  ],
  'test-fail-network-interface-pinning-overlong-interface-name.toml': [
    `network.interface-name-pinning.mapping."ab:cd:ef:12:34:56": interface name 'waytoolonginterfacename' cannot be longer than 15 characters`,
  ],
  'test-fail-no-root-password-set.toml': [
    "global.root-password: required: set root-password (>= 8 characters) or root-password-hashed (a crypt hash from 'mkpasswd -m yescrypt')",
  ],
  'test-fail-short-password.toml': [
    'global.root-password: must be at least 8 characters long (has 5)',
  ],
  'test-fail-zfs-raid-single-disk.toml': [zfsLine],
  // The wiki examples use a 6-character password, which Proxmox itself refuses since
  // ROOT_PASSWORD_MIN_LENGTH = 8, and a placeholder key.
  'docs-zfs-raid1-dhcp.toml': [
    'global.root-password: must be at least 8 characters long (has 6)',
    'global.root-ssh-keys[0]: the ssh-ed25519 key data is not valid base64',
    zfsLine,
  ],
  'docs-zfs-raid10-filter-static.toml': [
    'global.root-password: must be at least 8 characters long (has 6)',
    zfsLine,
  ],
};

const isZfs = (f: string) => /^filesystem\s*=\s*"zfs"/m.test(read(f));

describe('Proxmox answer files', () => {
  it('are all here', () => expect(files.length).toBeGreaterThanOrEqual(31));

  for (const file of files) {
    const expected = EXPECTED_FAILURES[file];
    if (expected) {
      it(`${file}: refused like Proxmox refuses it`, () => {
        const r = parseAnswers(read(file));
        expect(r.ok).toBe(false);
        expect(r.ok ? [] : r.issues.map(formatIssue)).toEqual(expected);
      });
    } else if (isZfs(file)) {
      it(`${file}: ZFS gets exactly the "not supported yet" error`, () => {
        const r = parseAnswers(read(file));
        expect(r.ok ? [] : r.issues.map(formatIssue)).toEqual([zfsLine]);
      });
    } else {
      it(`${file}: accepted unchanged`, () => {
        const r = parseAnswers(read(file));
        expect(r.ok ? [] : r.issues.map(formatIssue)).toEqual([]);
      });
    }
  }

  it('normalizes what Proxmox normalizes', () => {
    const upper = parseAnswers(read('test-btrfs-raid-level-uppercase.toml'));
    expect(upper.ok && upper.value.disk.btrfs.raid).toBe('raid1');
    const pin = parseAnswers(read('test-network-interface-pinning-uppercase-mac-address.toml'));
    expect(pin.ok && pin.value.network.pinning).toEqual({
      enabled: true,
      mapping: {
        '24:8a:07:1e:05:bc': 'lan0',
        '24:8a:07:1e:05:bd': 'lan1',
        'b4:2e:99:ac:ad:b4': 'mgmt',
      },
    });
    const empty = parseAnswers(read('test-fqdn-from-dhcp-empty-dhcp-domain-setting.toml'));
    expect(empty.ok && empty.value.global.fqdn).toEqual({ source: 'from-dhcp' });
    const domain = parseAnswers(
      read('test-fqdn-from-dhcp-no-dhcp-domain-with-default-domain.toml'),
    );
    expect(domain.ok && domain.value.global.fqdn).toEqual({
      source: 'from-dhcp',
      domain: 'custom.local',
    });
    const legacy = parseAnswers(
      read('test-fail-ipv4-and-subnet-mask-33.toml').replace('/33', '/24'),
    );
    expect(legacy.ok && legacy.value.disk.selection).toEqual({ kind: 'list', disks: ['sda'] });
  });
});
