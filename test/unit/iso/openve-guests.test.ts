// /usr/lib/openve/openve-guests stop (openve-guests.service's ExecStop at the node's shutdown): a
// running container kept the node's poweroff waiting 90 s in systemd's final stage and was then
// killed (seen in CI's e2e node). Here with stand-ins for lxc-ls, lxc-stop and virsh on PATH that
// record their arguments; the real thing runs in the e2e node's poweroff check.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRunner } from '../../../lib/exec/index.ts';

const SCRIPT = path.resolve(
  import.meta.dirname,
  '../../../iso/payload-layer/usr/lib/openve/openve-guests',
);

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'openve-guests-'));
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  mkdirSync(path.join(dir, 'lxc'));
  const stub = (name: string, body: string) =>
    writeFileSync(
      path.join(bin, name),
      `#!/bin/bash\necho "${name} $*" >>${dir}/calls\n${body}\n`,
      { mode: 0o755 },
    );
  // two running containers in the manager's path, none anywhere else
  stub('lxc-ls', `[ "$2" = "${dir}/lxc" ] && [ "$3" = --running ] && printf 'ct-100\\nct-101\\n'`);
  stub('lxc-stop', 'sleep 0.2');
  // vm-101 shuts down when asked; vm-102 ignores ACPI
  stub(
    'virsh',
    `case "$3" in
  list) printf 'vm-101\\nvm-102\\n\\n' ;;
  shutdown) touch ${dir}/asked-$4 ;;
  domstate) if [ "$4" = vm-101 ] && [ -e ${dir}/asked-vm-101 ]; then echo "shut off"; else echo running; fi ;;
esac`,
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[], timeout = '2') =>
  createRunner('real').run(['bash', SCRIPT, ...args], {
    reject: false,
    timeoutMs: 30_000,
    env: {
      PATH: `${dir}/bin:/usr/bin:/bin`,
      OPENVE_LXC_PATH: `${dir}/lxc`,
      OPENVE_GUEST_TIMEOUT: timeout,
    },
  });

describe('openve-guests stop', () => {
  it('shuts every running container and VM down at once; a VM that ignores ACPI is stopped hard after the timeout', async () => {
    const t0 = Date.now();
    const r = await run(['stop']);
    const took = Date.now() - t0;
    expect(r.exitCode).toBe(0);
    const calls = readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
    expect(calls).toEqual(
      expect.arrayContaining([
        `lxc-stop -P ${dir}/lxc -n ct-100 -t 2`,
        `lxc-stop -P ${dir}/lxc -n ct-101 -t 2`,
        'virsh -c qemu:///system shutdown vm-101',
        'virsh -c qemu:///system shutdown vm-102',
        'virsh -c qemu:///system destroy vm-102',
      ]),
    );
    expect(calls).not.toContain('virsh -c qemu:///system destroy vm-101');
    expect(r.stdout).toContain('VM vm-102 did not shut down within 2 s: stopping it hard');
    expect(r.stdout).toContain('openve-guests: 4 guest(s) stopped');
    // in parallel: one timeout, not one per guest
    expect(took).toBeLessThan(6_000);
  });

  it('nothing running: nothing stopped, and no containers directory is not an error', async () => {
    rmSync(path.join(dir, 'lxc'), { recursive: true });
    writeFileSync(path.join(dir, 'bin/virsh'), `#!/bin/bash\necho "virsh $*" >>${dir}/calls\n`, {
      mode: 0o755,
    });
    const r = await run(['stop']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('openve-guests: 0 guest(s) stopped');
    expect(readFileSync(path.join(dir, 'calls'), 'utf8').trim()).toBe(
      'virsh -c qemu:///system list --name --state-running',
    );
  });

  it('refuses a bad timeout and an unknown action, naming what is valid', async () => {
    const bad = await run(['stop'], '1m');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('OPENVE_GUEST_TIMEOUT must be whole seconds');
    const usage = await run(['start']);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toContain('usage: openve-guests stop');
  });
});
