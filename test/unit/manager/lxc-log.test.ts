// A failed container start names LXC's own reasons, taken from its log file.
import { describe, expect, it } from 'vitest';
import { lxcLogErrors } from '../../../manager/server/engines/lxc.ts';

describe('lxcLogErrors', () => {
  it('keeps the last ERROR lines without LXC prefixes', () => {
    const log = [
      'lxc-start ct-100 20261202131500.123 WARN     cgfsng - cgroups/cgfsng.c:fchowmodat:1611 - No such file',
      'lxc-start ct-100 20261202131500.124 ERROR    apparmor - lsm/apparmor.c:apparmor_prepare:1158 - Cannot use generated profile: apparmor_parser not available',
      'lxc-start ct-100 20261202131500.125 ERROR    start - start.c:__lxc_start:2114 - Failed to initialize container "ct-100"',
      '',
    ].join('\n');
    expect(lxcLogErrors(log)).toEqual([
      'apparmor - lsm/apparmor.c:apparmor_prepare:1158 - Cannot use generated profile: apparmor_parser not available',
      'start - start.c:__lxc_start:2114 - Failed to initialize container "ct-100"',
    ]);
    expect(lxcLogErrors(log, 1)).toHaveLength(1);
    expect(lxcLogErrors('')).toEqual([]);
  });
});
