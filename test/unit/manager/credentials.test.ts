// Root credentials written into a container's root file system, and the console's escape doubling.
import { afterEach, describe, expect, it } from 'vitest';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  shadowWithRootHash,
  updateInRootfs,
  withKeys,
} from '../../../manager/server/guests/credentials.ts';
import { doubleEscape } from '../../../manager/server/engines/interactive.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const rootfs = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'openve-rootfs-'));
  dirs.push(d);
  return d;
};

describe('container credentials', () => {
  it("sets root's hash in /etc/shadow, keeping the other lines and fields", () => {
    expect(
      shadowWithRootHash(
        'root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n',
        '$y$j9T$s$h',
        20424,
      ),
    ).toBe('root:$y$j9T$s$h:20424:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n');
    expect(shadowWithRootHash('', '$6$x$y', 1)).toBe('root:$6$x$y:1:0:99999:7:::\n');
  });

  it('adds each key once', () => {
    expect(withKeys('ssh-ed25519 AAAA a\n', ['ssh-ed25519 AAAA a', 'ssh-rsa BBBB b'])).toBe(
      'ssh-ed25519 AAAA a\nssh-rsa BBBB b\n',
    );
  });

  it('writes files owned by the container root, directories made 0700', () => {
    const r = rootfs();
    mkdirSync(path.join(r, 'etc'));
    writeFileSync(path.join(r, 'etc', 'shadow'), 'root:*:1:0:99999:7:::\n', { mode: 0o640 });
    updateInRootfs(r, 'etc/shadow', (old) => shadowWithRootHash(old, '$y$a$b', 2), {
      owner: 0,
      mode: 0o600,
    });
    expect(readFileSync(path.join(r, 'etc', 'shadow'), 'utf8')).toBe(
      'root:$y$a$b:2:0:99999:7:::\n',
    );
    expect(statSync(path.join(r, 'etc', 'shadow')).mode & 0o777).toBe(0o640);
    updateInRootfs(r, 'root/.ssh/authorized_keys', (old) => withKeys(old, ['ssh-ed25519 AAAA k']), {
      owner: 100000,
      mode: 0o600,
      dirMode: 0o700,
    });
    const ssh = statSync(path.join(r, 'root', '.ssh'));
    expect([ssh.mode & 0o777, ssh.uid]).toEqual([0o700, 100000]);
    const keys = statSync(path.join(r, 'root', '.ssh', 'authorized_keys'));
    expect([keys.mode & 0o777, keys.uid, keys.gid]).toEqual([0o600, 100000, 100000]);
  });

  it('refuses to follow a symlink out of the container (a hostile template)', () => {
    const r = rootfs();
    const outside = rootfs();
    writeFileSync(path.join(outside, 'shadow'), 'host\n');
    mkdirSync(path.join(r, 'etc'));
    symlinkSync(path.join(outside, 'shadow'), path.join(r, 'etc', 'shadow'));
    expect(() => updateInRootfs(r, 'etc/shadow', () => 'x', { owner: 0, mode: 0o640 })).toThrow(
      /not a regular file/,
    );
    symlinkSync(outside, path.join(r, 'root'));
    expect(() =>
      updateInRootfs(r, 'root/.ssh/authorized_keys', () => 'x', { owner: 0, mode: 0o600 }),
    ).toThrow(/\/root in the container is not a directory/);
    expect(readFileSync(path.join(outside, 'shadow'), 'utf8')).toBe('host\n');
  });
});

describe('lxc-console escape', () => {
  it('doubles Ctrl-a so lxc-console passes it on, leaves the rest alone', () => {
    expect([...doubleEscape(Buffer.from([0x61, 0x01, 0x71]))]).toEqual([0x61, 0x01, 0x01, 0x71]);
    const plain = Buffer.from('ls\n');
    expect(doubleEscape(plain)).toBe(plain);
  });
});
