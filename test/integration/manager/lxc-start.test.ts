// A real `lxc-start -d` that fails (root file system missing), on the runner's streaming path:
// the error names lxc-start's stderr and the ERROR lines of LXC's own log, and the runner's log
// has the command and its exit.
import { afterAll, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRunner } from '../../../lib/exec/index.ts';
import { Lxc } from '../../../manager/server/engines/lxc.ts';

if (process.getuid?.() !== 0) throw new Error('lxc-start integration test needs root (LXC)');

const dir = mkdtempSync(path.join(os.tmpdir(), 'openve-mgr-lxcstart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('reports lxc-start stderr and LXC log errors when a container fails to start', async () => {
  const name = 'ct-mgr-bad';
  mkdirSync(path.join(dir, name));
  writeFileSync(
    path.join(dir, name, 'config'),
    `lxc.uts.name = ${name}\nlxc.rootfs.path = dir:${dir}/missing\nlxc.net.0.type = empty\n`,
  );
  const logs: string[] = [];
  const lxc = new Lxc(createRunner('real', { log: (l) => logs.push(l) }), dir);
  const err = await lxc.start(name).then(
    () => null,
    (e: Error) => e,
  );
  expect(err).not.toBeNull();
  // lxc-start's own stderr (the tail in the CommandError) ...
  expect(err?.message).toMatch(/lxc-start .* exited with 1: .*The container failed to start/s);
  // ... and the reasons from its log file, without LXC's prefixes
  expect(err?.message).toContain(`LXC's log (${dir}/${name}/start.log)`);
  expect(err?.message).toMatch(/Failed to open "[^"]*\/missing"/);
  expect(logs[0]).toBe(`$ lxc-start -P ${dir} -n ${name} -d -o ${dir}/${name}/start.log -l WARN`);
  expect(logs.at(-1)).toBe('(exit 1)');
  expect(lxc.state(name)).toBeUndefined();
});
