// The in-memory archive that carries a step's files to `tar -x`: its entries read back the same,
// and GNU tar unpacks it with the modes, link targets and contents given.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  archiveOf,
  listArchive,
  unpackArgv,
  type ArchiveEntry,
} from '../../../installer/apply/archive.ts';

const entries: ArchiveEntry[] = [
  { path: '/etc/hostname', mode: '0644', type: 'file', content: 'node1\n' },
  { path: '/root/.ssh', mode: '0700', type: 'dir' },
  {
    path: '/root/.ssh/authorized_keys',
    mode: '0600',
    type: 'file',
    content: 'ssh-ed25519 AAA a\n',
  },
  {
    path: '/etc/localtime',
    mode: '0777',
    type: 'symlink',
    target: '/usr/share/zoneinfo/Europe/Vienna',
  },
  { path: '/etc/machine-id', mode: '0444', type: 'file', content: '' },
  { path: '/etc/motd', mode: '0644', type: 'file', content: 'ü'.repeat(700) }, // multi-block, multi-byte
];

describe('archiveOf', () => {
  it('reads back entry by entry (paths, modes, types, contents, root ownership)', () => {
    expect(listArchive(archiveOf(entries, new Date(0)))).toEqual(
      entries.map((e) => ({ ...e, uid: 0, gid: 0 })),
    );
  });
  it('refuses paths outside the extraction root', () => {
    expect(() =>
      archiveOf([{ path: '/etc/../../x', mode: '0644', type: 'file', content: '' }], new Date(0)),
    ).toThrow(/not inside the target/);
    expect(() =>
      archiveOf([{ path: '/', mode: '0644', type: 'file', content: '' }], new Date(0)),
    ).toThrow(/not inside the target/);
  });
  it('GNU tar unpacks it: contents, modes, symlinks, implied parent directories', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'openve-archive-'));
    try {
      const [cmd, ...args] = unpackArgv(root);
      execFileSync(cmd!, args, { input: archiveOf(entries, new Date()) });
      expect(readFileSync(path.join(root, 'etc/hostname'), 'utf8')).toBe('node1\n');
      expect(lstatSync(path.join(root, 'etc/hostname')).mode & 0o7777).toBe(0o644);
      expect(lstatSync(path.join(root, 'root/.ssh')).mode & 0o7777).toBe(0o700);
      expect(lstatSync(path.join(root, 'root/.ssh/authorized_keys')).mode & 0o7777).toBe(0o600);
      expect(readlinkSync(path.join(root, 'etc/localtime'))).toBe(
        '/usr/share/zoneinfo/Europe/Vienna',
      );
      expect(lstatSync(path.join(root, 'etc/machine-id')).size).toBe(0);
      expect(lstatSync(path.join(root, 'etc/machine-id')).mode & 0o7777).toBe(0o444);
      expect(readFileSync(path.join(root, 'etc/motd'), 'utf8')).toBe('ü'.repeat(700));
      if (process.getuid?.() === 0)
        expect(lstatSync(path.join(root, 'root/.ssh/authorized_keys')).uid).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
