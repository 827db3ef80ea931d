// The e2e manager check's reading of a container's DHCP lease: QEMU's user-mode pool starts at
// 10.0.2.15 (a DHCP-installed node holds that one) or at 10.0.2.100 beside a static node; the
// container's address must be its own. The matrix's bios-xfs-dhcp case failed on the old
// "10.0.2.100 and up" rule with a good lease (10.0.2.16 beside the node's 10.0.2.15).
import { describe, expect, it } from 'vitest';
import { ownLease } from '../../e2e/lib/managerChecks.ts';

const out = (ct: string, node: string) =>
  `profile: lxc-ct-192_</var/lib/openve/manager/lxc>//&:lxc-ct-192_<-var-lib-openve-manager-lxc>:unconfined (enforce)\n` +
  `node: ${node}\n` +
  (ct
    ? `2: eth0    inet ${ct} metric 1024 brd 10.0.2.255 scope global dynamic eth0\\       valid_lft 86390sec\n`
    : '');

describe('ownLease', () => {
  it('accepts a lease beside a DHCP node (pool from .15) and beside a static node (pool from .100)', () => {
    expect(ownLease(out('10.0.2.16/24', '10.0.2.15/24'))).toBe(true);
    expect(ownLease(out('10.0.2.100/24', '10.0.2.15/24'))).toBe(true);
  });
  it("refuses no address, the node's own, one outside QEMU's pool or network", () => {
    expect(ownLease(out('', '10.0.2.15/24'))).toBe(false);
    expect(ownLease(out('10.0.2.15/24', '10.0.2.15/24'))).toBe(false);
    expect(ownLease(out('10.0.2.3/24', '10.0.2.15/24'))).toBe(false);
    expect(ownLease(out('192.168.1.20/24', '10.0.2.15/24'))).toBe(false);
  });
});
