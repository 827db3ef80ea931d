// Answer files that contradict themselves or the planner (issue 10 §2 "self-contradictions").
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAnswers } from '../../../installer/answers/parse.ts';
import { answerFileJsonSchema } from '../../../contracts/answers/schema.ts';
import { SIZE_MINIMA_GIB } from '../../../contracts/answers/limits.ts';
import { formatIssue } from '../../../lib/errors.ts';
import {
  diskArea,
  lvmSizing,
  MIN_HDSIZE_MIB,
  ROOT_MIN_MIB,
} from '../../../installer/plan/sizing.ts';
import { autoInstall } from '../../../installer/commands/auto.ts';
import { loadHardwareFile } from '../../../installer/hardware/fixture.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BASE = readFileSync(path.join(root, 'test/golden/answers/ok/ext4-static.toml'), 'utf8');
const problems = (text: string) => {
  const r = parseAnswers(text);
  return r.ok ? [] : r.issues.map(formatIssue);
};

describe('self-contradictions', () => {
  it('joining a cluster whose master is this node itself is refused', () => {
    const join = (master: string) =>
      `${BASE}\n[cluster]\nmode = "join"\nmaster = "${master}"\ntoken = "tok-fixture-0123456789abcdef"\n`;
    expect(problems(join('192.168.1.10'))).toEqual([
      `cluster.master: '192.168.1.10' is this node's own address (network.cidr); a node joins another member: give that member's address, or use mode = "create"`,
    ]);
    expect(problems(join('127.0.0.1'))).toEqual([
      `cluster.master: '127.0.0.1' is a loopback address; give the address of another cluster member on the network`,
    ]);
    const v6 = join('2001:db8::0:10')
      .replace('192.168.1.10/24', '2001:db8::10/64')
      .replace(/"192\.168\.1\.1"/g, '"2001:db8::1"');
    expect(problems(v6)).toEqual([expect.stringContaining("is this node's own address")]);
    expect(problems(join('192.168.1.11'))).toEqual([]);
  });

  it('a url or cert-fingerprint with first-boot source = "from-iso" is an error, like cidr with DHCP', () => {
    const fb = `${BASE}\n[first-boot]\nsource = "from-iso"\nurl = "https://example.com/hook"\ncert-fingerprint = "${'ab'.repeat(32)}"\n`;
    expect(problems(fb)).toEqual([
      'first-boot.url: only used with source = "from-url"; remove it or set first-boot.source = "from-url"',
      'first-boot.cert-fingerprint: only used with source = "from-url"; remove it or set first-boot.source = "from-url"',
    ]);
  });

  it('the filesystem error does not offer zfs, which is refused', () => {
    expect(problems(BASE.replace('"ext4"', '"ext5"'))).toEqual([
      "disk-setup.filesystem: 'ext5' is not valid (did you mean 'ext4'?); expected one of ext4, xfs, btrfs",
    ]);
  });

  it("the JSON Schema's size minima are the planner's (one definition)", () => {
    type Props = { properties: Record<string, Props & { minimum?: number }> };
    const disk = (answerFileJsonSchema() as Props).properties['disk-setup']!;
    expect(disk.properties.lvm!.properties.hdsize!.minimum).toBe(MIN_HDSIZE_MIB / 1024);
    expect(disk.properties.btrfs!.properties.hdsize!.minimum).toBe(MIN_HDSIZE_MIB / 1024);
    expect(disk.properties.lvm!.properties.maxroot!.minimum).toBe(ROOT_MIN_MIB / 1024);
    expect(SIZE_MINIMA_GIB).toEqual({
      hdsize: MIN_HDSIZE_MIB / 1024,
      maxroot: ROOT_MIN_MIB / 1024,
    });
    // what validate accepts at the minimum, the planner accepts too; just below, validate refuses
    expect(
      problems(BASE.replace('disk-list = ["sda"]', 'disk-list = ["sda"]\nlvm.hdsize = 7.9')),
    ).toEqual(['disk-setup.lvm.hdsize: 7.9 GiB is too small: the install needs at least 8 GiB']);
    expect(
      problems(BASE.replace('disk-list = ["sda"]', 'disk-list = ["sda"]\nlvm.maxroot = 3')),
    ).toEqual(['disk-setup.lvm.maxroot: 3 GiB is too small: the root volume needs at least 4 GiB']);
    const area = diskArea(1_000_000, SIZE_MINIMA_GIB.hdsize, 'disk-setup.lvm.hdsize', 'sda');
    expect(area.ok).toBe(true);
    if (area.ok)
      expect(
        lvmSizing(
          area.value.osPartitionMiB,
          4096,
          { maxroot: SIZE_MINIMA_GIB.maxroot },
          area.value.hdsizeMiB,
        ).ok,
      ).toBe(true);
  });

  it('the LVM warning blames maxvz only when maxvz itself is 4 GiB or less', () => {
    const warn = (hdsize: number, maxvz: number) => {
      const a = diskArea(1_000_000, hdsize, 'disk-setup.lvm.hdsize', 'sda');
      if (!a.ok) throw new Error('area');
      const s = lvmSizing(a.value.osPartitionMiB, 4096, { maxvz }, a.value.hdsizeMiB);
      if (!s.ok) throw new Error('sizing');
      return s.value.warnings;
    };
    expect(warn(10, 5)).toEqual([
      expect.stringMatching(
        /^No room for the thin pool 'data' of disk-setup.lvm.maxvz = 5 GiB \(.* left after swap, root and minfree/,
      ),
    ]);
    expect(warn(10, 5).join()).not.toContain('4 GiB or less');
    expect(warn(100, 3)).toEqual([
      "disk-setup.lvm.maxvz = 3 GiB is 4 GiB or less: no thin pool 'data' is created.",
    ]);
  });

  it('a password that equals a device path or a volume name does not stop auto at step 1', async () => {
    for (const pw of ['/dev/sda', 'openve-data']) {
      const lines: string[] = [];
      const target = mkdtempSync(path.join(tmpdir(), 'openve-pw-'));
      const out = await autoInstall(
        {
          answerText: BASE.replace('passw0rd-fixture', pw),
          answerSource: 'a.toml',
          hardware: loadHardwareFile(path.join(root, 'test/fixtures/hardware/single-sata.json')),
          payload: '/run/live/medium/openve/payload.squashfs',
          confirmed: true,
          logPath: null,
          firstBootHook: null,
          target,
          mode: 'dry-run',
        },
        { write: (l) => lines.push(l) },
      );
      expect(out.ok, `${pw}: ${lines.filter((l) => l.includes('error')).join('')}`).toBe(true);
      expect(lines.join('')).not.toContain('Wiping ***'); // redacting a public path would reveal the password
    }
  });
});
