// Hardware strings from a malicious device or fixture (issue 10 §2): printable everywhere they
// are shown, and a NIC name that ifupdown2 would misread never gets into a profile.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseHardwareText } from '../../../installer/hardware/fixture.ts';
import { isSafeInterfaceName, printable } from '../../../installer/hardware/sanitize.ts';
import { formatProfile } from '../../../installer/hardware/summary.ts';
import { describeDisk } from '../../../installer/hardware/describe.ts';
import { planFromAnswerText } from '../../../installer/core.ts';
import { formatIssue, UserError } from '../../../lib/errors.ts';
import type { HardwareProfile } from '../../../contracts/hardware/types.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const fixture = readFileSync(path.join(root, 'test/fixtures/hardware/single-sata.json'), 'utf8');
const ESCAPES = ['\u001b[2J', '\u009b2J', '\u202e', '\u0007', '\r'];
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/; // newlines separate lines

function hostile(): HardwareProfile {
  const p = JSON.parse(fixture) as HardwareProfile;
  p.disks[0]!.model = `Evil${ESCAPES.join('')}Disk`;
  p.disks[0]!.serial = `S\u001b]0;pwned\u0007N`;
  p.disks[0]!.udev = { ...p.disks[0]!.udev, ID_MODEL: `Evil\u001b[2J` };
  p.cpu.model = 'CPU\u001b[31m';
  return p;
}

describe('hardware strings', () => {
  it('printable() replaces C0/C1 controls and bidi overrides, and caps the length', () => {
    expect(printable('a\u001b[2Jb\u009bc\u202ed')).toBe('a?[2Jb?c?d');
    expect(printable('x'.repeat(300))).toHaveLength(200);
  });

  it('a profile read from a file is sanitised before anything prints it', () => {
    const p = parseHardwareText(JSON.stringify(hostile()), 'evil.json');
    expect(formatProfile(p)).not.toMatch(UNSAFE);
    expect(describeDisk(p.disks[0]!)).toBe(describeDisk(p.disks[0]!).replace(UNSAFE, ''));
    expect(JSON.stringify(p)).not.toMatch(/\\u001b|\\u009b|\\u202e/);
    // and the plan's errors that list every disk print them clean too
    const answer = readFileSync(
      path.join(root, 'test/golden/answers/ok/ext4-static.toml'),
      'utf8',
    ).replace('disk-list = ["sda"]', 'filter.ID_SERIAL = "nothing*"');
    const r = planFromAnswerText(answer, p);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map(formatIssue).join('\n')).not.toMatch(UNSAFE);
  });

  it('a NIC name with spaces, a slash or an escape is refused with the field named', () => {
    for (const name of ['en p1', 'a/b', '..', 'eth0\u001b[2J', 'x'.repeat(16)]) {
      const p = JSON.parse(fixture) as HardwareProfile;
      p.nics[0]!.name = name;
      let err: unknown;
      try {
        parseHardwareText(JSON.stringify(p), 'evil.json');
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(name)).toBeInstanceOf(UserError);
      expect((err as UserError).issues[0]!.path).toBe('evil.json: nics[0].name');
      expect(isSafeInterfaceName(name)).toBe(false);
    }
    expect(isSafeInterfaceName('enp1s0f0')).toBe(true);
    expect(isSafeInterfaceName('eno1.100')).toBe(true);
  });
});
