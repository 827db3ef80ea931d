// The systemd units shipped in provision/units/: names match the shared contract, orderings
// match Proxmox's first-boot units, each runs once, and systemd itself accepts them.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { CLUSTER_INIT_UNIT, FIRST_BOOT_UNITS } from '../../../contracts/node/types.ts';

const dir = path.resolve(import.meta.dirname, '../../../provision/units');
const unit = (name: string) => readFileSync(path.join(dir, name), 'utf8');
const hasAnalyze = existsSync('/usr/bin/systemd-analyze');

describe('first-boot units', () => {
  test('one unit per ordering, named as in provision/types.ts, plus cluster init and the cluster service', () => {
    expect(readdirSync(dir).sort()).toEqual(
      [...Object.values(FIRST_BOOT_UNITS), CLUSTER_INIT_UNIT, 'openve-cluster.service'].sort(),
    );
  });

  test.each(Object.entries(FIRST_BOOT_UNITS))(
    '%s: runs the runner with its ordering, once',
    (ordering, name) => {
      const text = unit(name);
      expect(text).toContain(
        `ExecStart=/usr/bin/node /usr/lib/openve/firstboot.js --ordering ${ordering}`,
      );
      expect(text).toContain(`ConditionPathExists=!/var/lib/openve/first-boot/ran-${ordering}`);
      expect(text).toMatch(/^Type=oneshot$/m);
    },
  );

  test('orderings: before network-pre.target / after network-online.target / after multi-user.target', () => {
    expect(unit(FIRST_BOOT_UNITS['before-network'])).toMatch(/^Before=network-pre\.target$/m);
    expect(unit(FIRST_BOOT_UNITS['network-online'])).toMatch(/^After=.*network-online\.target/m);
    expect(unit(FIRST_BOOT_UNITS['fully-up'])).toMatch(/^After=.*multi-user\.target/m);
    expect(unit(CLUSTER_INIT_UNIT)).toMatch(/^ConditionPathExists=!\/etc\/openve\/cluster\.json$/m);
  });

  test.skipIf(!hasAnalyze)('systemd-analyze verify accepts them', () => {
    const files = readdirSync(dir).map((f) => path.join(dir, f));
    expect(() =>
      execFileSync('systemd-analyze', ['verify', ...files], { stdio: 'pipe' }),
    ).not.toThrow();
  });
});
