// The boot matrix (BIOS/UEFI x ext4/xfs/btrfs RAID1 x static/DHCP, plus the ISO dd'ed to a USB
// stick on BIOS and on UEFI), run by
// `bash scripts/e2e-matrix.sh` (OPENVE_E2E_MATRIX=1); skipped otherwise. OPENVE_E2E_CASES=a,b
// limits it to named cases (e.g. uefi-btrfs-dhcp).
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { matrix, usbCases } from './lib/answers.ts';
import { REPO, runScenario } from './lib/scenario.ts';
import { assertScenario, formatScenario } from './lib/report.ts';

const enabled =
  process.env.OPENVE_E2E_MATRIX === '1' &&
  process.getuid?.() === 0 &&
  existsSync('/usr/bin/qemu-system-x86_64');
const only = (process.env.OPENVE_E2E_CASES ?? '').split(',').filter(Boolean);
const cases = [...matrix(), ...usbCases()].filter(
  (c) => only.length === 0 || only.includes(c.name),
);

describe.skipIf(!enabled)('e2e matrix', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const result = await runScenario(c, {
        workDir: path.join(REPO, 'test-results/e2e-matrix', c.name),
        log: (l) => process.stderr.write(`${l}\n`),
      });
      process.stderr.write(formatScenario(result) + '\n');
      assertScenario(result, expect);
    });
  }
});
