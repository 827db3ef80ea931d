import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../../installer/commands/detect.ts';
import { capture } from '../../helpers/capture.ts';
import { UserError } from '../../../lib/errors.ts';
import { checkHardwareProfile } from '../../../contracts/hardware/schema.ts';

const fixture = (f: string) => join(import.meta.dirname, '../../fixtures/hardware', f);

const detect = (args: string[]) => capture(() => run(args));

afterEach(() => vi.restoreAllMocks());

describe('openve-install detect', () => {
  it('--json on this machine prints a profile that validates', async () => {
    const { code, out } = await detect(['--json']);
    expect(code).toBe(0);
    expect(checkHardwareProfile(JSON.parse(out)).ok).toBe(true);
  });

  it('--json --hardware FILE prints the recorded profile exactly', async () => {
    const { out } = await detect(['--json', '--hardware', fixture('qemu-virtio.json')]);
    expect(JSON.parse(out)).toEqual(JSON.parse(readFileSync(fixture('qemu-virtio.json'), 'utf8')));
  });

  it('summarises a machine without VT-x with a warning line', async () => {
    const { out } = await detect(['--hardware', fixture('no-vtx.json')]);
    expect(out).toContain('Intel(R) Atom(TM) CPU D525');
    expect(out).toMatch(
      /^WARNING {3}KVM virtual machines will not run: the CPU has no VT-x\/AMD-V/m,
    );
    expect(out).toMatch(
      /^ {2}sda +111\.8 GiB +KINGSTON SA400S37120G +50026B7782A1B2C3 +sata +ssd +target$/m,
    );
    expect(out).toMatch(/^ {2}sdb .*not a target: boot medium/m);
    expect(out).toContain('enp1s0 (00:25:22:aa:bb:cc, r8169, link up 1000 Mb/s)');
  });

  it('marks every non-target in the ten-disk server and shows NICs without link', async () => {
    const { out } = await detect(['--hardware', fixture('ten-disks.json')]);
    expect(out.match(/ target$/gm)).toHaveLength(10);
    expect(out).toMatch(/loop0 .*not a target: loop device/);
    expect(out).toMatch(/sr0 .*not a target: boot medium/);
    expect(out).toContain('eno2 (ac:1f:6b:aa:00:02, ixgbe, no link)');
    expect(out).not.toContain('WARNING');
  });

  it('rejects unknown options and bad files as user errors', async () => {
    await expect(run(['--jsn'])).rejects.toBeInstanceOf(UserError);
    await expect(run(['--hardware', fixture('nope.json')])).rejects.toThrow(
      /--hardware: .*nope\.json: no such file/,
    );
  });
});
