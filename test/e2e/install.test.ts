// The CI end-to-end boot (issue 4): build the ISO with an answer, install unattended in QEMU
// (SeaBIOS, ext4 on LVM-thin, static network), boot the installed disk, check the node over SSH.
// Needs root and QEMU; every phase's time goes to test-results/e2e/<case>/result.json.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { caseName, type E2eCase } from './lib/answers.ts';
import { REPO, runScenario } from './lib/scenario.ts';
import { assertScenario, formatScenario } from './lib/report.ts';

const runnable = process.getuid?.() === 0 && existsSync('/usr/bin/qemu-system-x86_64');
const c: E2eCase = {
  name: caseName({ firmware: 'bios', filesystem: 'ext4', network: 'static' }),
  firmware: 'bios',
  filesystem: 'ext4',
  network: 'static',
};

describe.skipIf(!runnable)('e2e: ISO install in QEMU', () => {
  it(`${c.name}: installs unattended and the node boots with the answered settings`, async () => {
    const result = await runScenario(c, {
      workDir: path.join(REPO, 'test-results/e2e', c.name),
      log: (l) => process.stderr.write(`${l}\n`),
    });
    process.stderr.write(formatScenario(result) + '\n');
    assertScenario(result, expect);
  });
});
