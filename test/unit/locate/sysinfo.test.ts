import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadHardwareFile } from '../../../installer/hardware/fixture.ts';
import { systemInfoPayload } from '../../../installer/locate/sysinfo.ts';

const dir = join(import.meta.dirname, '../../fixtures/hardware');
const fixture =
  readdirSync(dir).find((f) => f.includes('nvme')) ??
  readdirSync(dir).find((f) => f.endsWith('.json'))!;

describe('systemInfoPayload (POSTed to answer URLs)', () => {
  it('lists NICs as Proxmox does (link + mac), summarises CPU, memory, target disks; no boot medium', () => {
    const hw = loadHardwareFile(join(dir, fixture));
    const p = systemInfoPayload('1.2.3', hw);
    expect(p.product).toEqual({ name: 'openve', version: '1.2.3' });
    expect(p.network_interfaces).toEqual(hw.nics.map((n) => ({ link: n.name, mac: n.mac })));
    expect(p.memory_bytes).toBe(hw.memoryBytes);
    const boot = hw.disks.filter((d) => d.isBootMedium).map((d) => d.name);
    for (const d of p.disks!) expect(boot).not.toContain(d.name);
    expect(JSON.stringify(p)).not.toMatch(/fqdn|hostname/);
  });
  it('without hardware: product only, empty NIC list', () => {
    expect(systemInfoPayload('1', undefined)).toEqual({
      product: { name: 'openve', version: '1' },
      network_interfaces: [],
    });
  });
});
