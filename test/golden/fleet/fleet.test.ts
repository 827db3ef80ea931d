// Golden: dnsmasq configurations (proxy-DHCP, full DHCP) and the iPXE scripts `serve` writes.
// Update with: UPDATE_GOLDEN=1 npx vitest run test/golden/fleet
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dnsmasqConfig } from '../../../provision/fleet/dnsmasq.ts';
import { chainScript, machineScript } from '../../../provision/fleet/ipxe.ts';

const dir = path.dirname(fileURLToPath(import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';

function golden(name: string, actual: string) {
  const file = path.join(dir, name);
  if (update || !existsSync(file)) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const common = {
  interface: 'br0',
  address: '10.88.0.1',
  httpPort: 80,
  tftpRoot: '/usr/lib/ipxe',
  pidFile: '/var/lib/openve/fleet/dnsmasq.pid',
  logFile: '/var/lib/openve/fleet/dnsmasq.log',
  leaseFile: '/var/lib/openve/fleet/dnsmasq.leases',
};

describe('fleet golden files', () => {
  it('dnsmasq proxy-DHCP', () => golden('dnsmasq-proxy.conf', dnsmasqConfig(common)));
  it('dnsmasq full DHCP on another HTTP port', () =>
    golden(
      'dnsmasq-full.conf',
      dnsmasqConfig({ ...common, httpPort: 8080, dhcpRange: ['10.88.0.100', '10.88.0.199'] }),
    ));
  it('iPXE chain script', () => golden('boot.ipxe', chainScript('http://10.88.0.1')));
  it('iPXE machine script', () =>
    golden(
      'machine.ipxe',
      machineScript({
        base: 'http://10.88.0.1',
        secureBase: 'https://10.88.0.1:8443',
        fingerprint: 'AB:'.repeat(31) + 'AB',
        token: 'f'.repeat(48),
        layer: 'filesystem.squashfs',
        payload: true,
      }),
    ));
});
