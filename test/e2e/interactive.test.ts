// The interactive installer inside the booted ISO (issue 5): an ISO without an answer, the
// "Install (serial console)" entry, the UI on the serial console in tmux at 80x24 driven by keys
// (defaults, a password, a pasted SSH key, the host name typed), then the installed node checked
// over SSH with that key. Slow (a QEMU TCG boot, an install, a node boot): only with
// OPENVE_E2E_INTERACTIVE=1 (scripts/e2e-interactive.sh). Results in test-results/e2e-interactive/.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatInteractive, runInteractive } from './lib/interactive.ts';
import { hasTmux } from './lib/interactive-tmux.ts';
import { REPO } from './lib/scenario.ts';

const runnable =
  process.env.OPENVE_E2E_INTERACTIVE === '1' &&
  process.getuid?.() === 0 &&
  existsSync('/usr/bin/qemu-system-x86_64') &&
  hasTmux();

describe.skipIf(!runnable)(
  'e2e: interactive install from the ISO (serial console, tmux 80x24)',
  () => {
    it('installs with the UI and the node boots with the chosen host name, address and SSH key', async () => {
      const result = await runInteractive({
        workDir: path.join(REPO, 'test-results/e2e-interactive'),
        log: (l) => process.stderr.write(`${l}\n`),
      });
      process.stderr.write(formatInteractive(result) + '\n');
      expect(result.error ?? null).toBeNull();
      expect(result.checks.filter((c) => !c.ok)).toEqual([]);
      expect(result.checks.length).toBeGreaterThan(0);
      expect(result.ok).toBe(true);
    });
  },
);
