// Saving the interactive install's answers to the OPENVE-AIS stick (installer/ui/stick.ts), with a
// recording runner and a recorded write: no disk is touched.
import { describe, expect, it } from 'vitest';
import { recordingRunner } from '../../lib/exec/recording.ts';
import { NO_STICK, STICK_MOUNT, saveToStick } from '../../installer/ui/stick.ts';

const lsblk = (...parts: { path: string; label: string | null }[]) =>
  JSON.stringify({
    blockdevices: [
      { name: 'sda', path: '/dev/sda', label: null, fstype: null },
      {
        name: 'sdb',
        path: '/dev/sdb',
        label: null,
        fstype: null,
        children: parts.map((p) => ({ ...p, name: p.path.slice(5), fstype: 'vfat' })),
      },
    ],
  });

function setup(stdout: string, opts: { dryRun?: boolean } = {}) {
  const runner = recordingRunner({ rules: [{ match: ['lsblk'], respond: { stdout } }] });
  const writes: { path: string; text: string }[] = [];
  const deps = {
    runner,
    dryRun: opts.dryRun ?? false,
    write: async (path: string, text: string) => void writes.push({ path, text }),
  };
  const argvs = () => runner.calls.map((c) => c.argv.join(' '));
  return { runner, writes, deps, argvs };
}

describe('saveToStick', () => {
  it('finds the partition by label (any case), mounts it, writes answer.toml, unmounts', async () => {
    const t = setup(lsblk({ path: '/dev/sdb1', label: 'openve-ais' }));
    const said = await saveToStick(t.deps, 'root-password-hashed = "$y$..."\n');
    expect(said).toBe('saved answer.toml to OPENVE-AIS (/dev/sdb1, password hashed)');
    expect(t.writes).toEqual([
      { path: `${STICK_MOUNT}/answer.toml`, text: 'root-password-hashed = "$y$..."\n' },
    ]);
    expect(t.argvs().slice(1)).toEqual([
      `mkdir -p ${STICK_MOUNT}`,
      `mount /dev/sdb1 ${STICK_MOUNT}`,
      `umount ${STICK_MOUNT}`,
    ]);
  });
  it('no stick: a clear message, nothing mounted', async () => {
    const t = setup(lsblk({ path: '/dev/sdb1', label: 'DATA' }));
    await expect(saveToStick(t.deps, 'x')).rejects.toThrow(NO_STICK);
    expect(t.argvs()).toEqual(['lsblk -J -o NAME,PATH,LABEL,FSTYPE']);
    // lsblk failing or printing garbage is the same as no stick
    await expect(saveToStick(setup('not json').deps, 'x')).rejects.toThrow(NO_STICK);
  });
  it("two sticks are ambiguous; Proxmox's label is not ours to write", async () => {
    const two = setup(
      lsblk({ path: '/dev/sdb1', label: 'OPENVE-AIS' }, { path: '/dev/sdb2', label: 'OPENVE-AIS' }),
    );
    await expect(saveToStick(two.deps, 'x')).rejects.toThrow(
      '2 partitions are labelled OPENVE-AIS (/dev/sdb1, /dev/sdb2): keep one plugged in',
    );
    await expect(
      saveToStick(setup(lsblk({ path: '/dev/sdb1', label: 'PROXMOX-AIS' })).deps, 'x'),
    ).rejects.toThrow(NO_STICK);
  });
  it('dry run: says what it would do and mounts nothing', async () => {
    const t = setup(lsblk({ path: '/dev/sdb1', label: 'OPENVE-AIS' }), { dryRun: true });
    expect(await saveToStick(t.deps, 'x')).toBe(
      'dry run: would write answer.toml to OPENVE-AIS (/dev/sdb1)',
    );
    expect(t.argvs()).toHaveLength(1);
    expect(t.writes).toEqual([]);
  });
  it('a failed mount is reported; a failed write still unmounts', async () => {
    const t = setup(lsblk({ path: '/dev/sdb1', label: 'OPENVE-AIS' }));
    t.runner.failOn(['mount'], { exitCode: 32, stderr: 'mount: /dev/sdb1: write-protected' });
    await expect(saveToStick(t.deps, 'x')).rejects.toThrow(
      'cannot mount /dev/sdb1 (OPENVE-AIS): mount: /dev/sdb1: write-protected',
    );
    expect(t.writes).toEqual([]);
    const w = setup(lsblk({ path: '/dev/sdb1', label: 'OPENVE-AIS' }));
    w.deps.write = async () => Promise.reject(new Error('ENOSPC'));
    await expect(saveToStick(w.deps, 'x')).rejects.toThrow('ENOSPC');
    expect(w.argvs().at(-1)).toBe(`umount ${STICK_MOUNT}`);
  });
});
