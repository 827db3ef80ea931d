// Pure: the system summary POSTed to an answer URL, so a server can pick the answer per machine.
// Field names follow Proxmox's (network_interfaces[].link/mac, dmi) so existing answer servers
// that match on MAC addresses work unchanged. No hostname: the machine has none yet.
import type { HardwareProfile } from '../../contracts/hardware/types.ts';

export interface SystemInfoPayload {
  product: { name: 'openve'; version: string };
  network_interfaces: { link: string; mac: string }[];
  dmi?: Record<string, Record<string, string>>;
  cpu?: {
    model: string;
    vendor: string;
    cores: number;
    threads: number;
    virtualization: string | null;
  };
  memory_bytes?: number;
  firmware?: string;
  disks?: { name: string; size_bytes: number; model: string; serial: string; transport: string }[];
}

export function systemInfoPayload(
  version: string,
  hardware?: HardwareProfile,
  dmi?: Record<string, Record<string, string>>,
): SystemInfoPayload {
  const payload: SystemInfoPayload = {
    product: { name: 'openve', version },
    network_interfaces: [],
  };
  if (hardware) {
    payload.network_interfaces = hardware.nics.map((n) => ({ link: n.name, mac: n.mac }));
    payload.cpu = {
      model: hardware.cpu.model,
      vendor: hardware.cpu.vendor,
      cores: hardware.cpu.cores,
      threads: hardware.cpu.threads,
      virtualization: hardware.cpu.virtualization,
    };
    payload.memory_bytes = hardware.memoryBytes;
    payload.firmware = hardware.firmware;
    payload.disks = hardware.disks
      .filter((d) => d.kind === 'disk' && !d.isBootMedium)
      .map((d) => ({
        name: d.name,
        size_bytes: d.sizeBytes,
        model: d.model,
        serial: d.serial,
        transport: d.transport,
      }));
  }
  if (dmi && Object.keys(dmi).length) payload.dmi = dmi;
  return payload;
}
