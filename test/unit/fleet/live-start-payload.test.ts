// live-start on a netbooted live system: the payload is the server's URL from openve.payload=
// (streamed by the installer), not a file on a medium the machine does not have.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRunner } from '../../../lib/exec/index.ts';

const LIVE_START = path.resolve(
  import.meta.dirname,
  '../../../iso/live-layer/usr/lib/openve/live-start',
);

describe('live-start: openve.payload=URL', () => {
  it('announces and uses the URL as the payload', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fleet-live-start-'));
    try {
      const url = 'http://10.88.0.1/openve/payload.tar.zst';
      writeFileSync(path.join(dir, 'cmdline'), `boot=live openve.auto=1 openve.payload=${url}\n`);
      // the installer stand-in records its arguments and finds no answer: live-start stops at the shell
      writeFileSync(path.join(dir, 'cli'), `#!/bin/sh\necho "$@" >>${dir}/cli.args\n`, {
        mode: 0o755,
      });
      await createRunner('real').run(['bash', LIVE_START], {
        timeoutMs: 30_000,
        env: {
          OPENVE_LIVE_CMDLINE: path.join(dir, 'cmdline'),
          OPENVE_LIVE_RUN: path.join(dir, 'run'),
          OPENVE_LIVE_CLI: path.join(dir, 'cli'),
          OPENVE_LIVE_SHELL: 'true',
        },
      });
      const log = readFileSync(path.join(dir, 'run/live-start.log'), 'utf8');
      expect(log).toContain(`OPENVE-LIVE: unattended install starting (payload ${url})`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
