// Golden fail corpus: test/golden/answers/fail/<case>.toml must be refused with exactly the lines
// in <case>.error. Hardware: the fixture named in <case>.hardware (default single-sata.json).
// Update the expected files with: UPDATE_GOLDEN=1 npx vitest run test/golden/fail.test.ts
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { planFromAnswerText } from '../../installer/core.ts';
import { formatIssue } from '../../lib/errors.ts';
import type { HardwareProfile } from '../../contracts/hardware/types.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const caseDir = path.join(root, 'test/golden/answers/fail');
const hardwareDir = path.join(root, 'test/fixtures/hardware');
const update = process.env.UPDATE_GOLDEN === '1';

/** Used only while a named fixture does not exist: one 500 GB SATA disk, one NIC with link. */
function minimalHardware(): HardwareProfile {
  return {
    cpu: { model: 'Test CPU', vendor: 'GenuineIntel', cores: 4, threads: 8, virtualization: 'vmx' },
    kvm: { devicePresent: true },
    iommu: { enabled: false, groups: 0 },
    memoryBytes: 16 * 1024 ** 3,
    firmware: 'uefi',
    disks: [
      {
        name: 'sda', path: '/dev/sda', kind: 'disk', sizeBytes: 500_107_862_016, logicalSectorSize: 512,
        model: 'Test SSD', serial: 'TEST0001', wwn: null, vendor: 'ATA', rotational: false, removable: false,
        readOnly: false, transport: 'sata', isBootMedium: false, udev: {},
      },
    ],
    nics: [{ name: 'eno1', mac: '52:54:00:12:34:56', driver: 'e1000e', link: true, speedMbps: 1000, udev: {} }],
    notes: [],
  };
}

function hardwareFor(name: string): HardwareProfile {
  const override = path.join(caseDir, `${name}.hardware`);
  const fixture = existsSync(override) ? readFileSync(override, 'utf8').trim() : 'single-sata.json';
  const file = path.join(hardwareDir, fixture);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as HardwareProfile) : minimalHardware();
}

const cases = readdirSync(caseDir)
  .filter((f) => f.endsWith('.toml'))
  .map((f) => f.slice(0, -'.toml'.length))
  .sort();

describe('golden fail answers', () => {
  it('has a corpus', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases)('%s', (name) => {
    const text = readFileSync(path.join(caseDir, `${name}.toml`), 'utf8');
    const result = planFromAnswerText(text, hardwareFor(name));
    expect(result.ok, `${name} was accepted`).toBe(false);
    const actual = result.ok ? '' : result.issues.map(formatIssue).join('\n');
    expect(actual).not.toContain('passw0rd-fixture'); // the fixture password never reaches output
    const errorFile = path.join(caseDir, `${name}.error`);
    if (update) writeFileSync(errorFile, `${actual}\n`);
    expect(existsSync(errorFile), `${name}.error is missing; create it with UPDATE_GOLDEN=1`).toBe(true);
    expect(actual).toBe(readFileSync(errorFile, 'utf8').replace(/\n$/, ''));
  });
});
