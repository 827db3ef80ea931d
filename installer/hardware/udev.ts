// udev properties of disks and NICs, the keys answer-file filters match on (ID_MODEL, ID_SERIAL,
// ID_NET_NAME_MAC, ...). Where udev runs (the live ISO) they come from `udevadm info`; where it
// does not (this build host, containers) the common keys are derived from sysfs and lsblk the way
// systemd's 60-persistent-storage and 75-net-description rules would set them, so filters still work.
import type { CommandRunner } from '../../lib/exec/index.ts';
import { parseUdevProperties } from './parse.ts';
import type { Transport } from '../../contracts/hardware/types.ts';

/** Query udev for many devices in one call (`/dev/sda`, `/sys/class/net/eno1`), keyed by argument. */
export async function queryUdev(
  runner: CommandRunner,
  devices: readonly string[],
): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  if (devices.length === 0) return out;
  const assign = (records: Record<string, string>[]) => {
    for (const r of records) {
      const key = r.INTERFACE ? `/sys/class/net/${r.INTERFACE}` : r.DEVNAME;
      if (key && devices.includes(key)) out.set(key, r);
    }
  };
  const all = await runner.run(['udevadm', 'info', '--query=property', ...devices], {
    reject: false,
    timeoutMs: 10_000,
  });
  assign(parseUdevProperties(all.stdout));
  // one vanished device fails the whole call on some systemd versions: ask the rest one by one
  const missing = devices.filter((d) => !out.has(d));
  if (missing.length > 0 && all.exitCode !== 0) {
    const each = await Promise.all(
      missing.map((d) =>
        runner.run(['udevadm', 'info', '--query=property', d], {
          reject: false,
          timeoutMs: 10_000,
        }),
      ),
    );
    for (const r of each) if (r.exitCode === 0) assign(parseUdevProperties(r.stdout));
  }
  return out;
}

const enc = (s: string) => s.trim().replace(/\s+/g, '_');
const PCI_ADDR = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

/** The last PCI address in a sysfs device path (`/devices/pci0000:00/0000:00:17.0/ata1/...`). */
export function pciAddress(devpath: string): string | null {
  const parts = devpath.split('/').filter((p) => PCI_ADDR.test(p));
  return parts.at(-1) ?? null;
}

/** ID_PATH as udev's path_id builds it, for the layouts we meet; null when unsure. */
export function derivePathId(
  devpath: string,
  name: string,
  tran: Transport,
  hctl: string,
): string | null {
  const pci = pciAddress(devpath);
  if (!pci) return null;
  if (tran === 'virtio') return `pci-${pci}`;
  if (tran === 'nvme') return `pci-${pci}-nvme-${/n(\d+)$/.exec(name)?.[1] ?? '1'}`;
  const lun = hctl ? `-scsi-0:${hctl.split(':').slice(1).join(':')}` : '';
  if (tran === 'usb') {
    // .../usb1/1-2/1-2:1.0/host1/... -> usb-0:2:1.0
    const iface = devpath.split('/').find((p) => /^\d+-[\d.]+:\d+\.\d+$/.test(p));
    if (iface) {
      const [port, cfg] = iface.split(':');
      return `pci-${pci}-usb-0:${port!.split('-')[1]}:${cfg}${lun}`;
    }
    return `pci-${pci}-usb${lun}`;
  }
  const ata = /\/ata(\d+)\//.exec(devpath);
  if (ata) return `pci-${pci}-ata-${ata[1]}.0`;
  return `pci-${pci}${lun}`;
}

export interface DiskFacts {
  name: string;
  devpath: string; // '/devices/...'
  uevent: Record<string, string>;
  transport: Transport;
  model: string;
  serial: string;
  vendor: string;
  wwn: string | null;
  hctl: string;
  isRom: boolean;
  fstype: string;
  label: string;
  pttype: string;
}

export function deriveDiskUdev(d: DiskFacts): Record<string, string> {
  const p: Record<string, string> = {
    DEVNAME: `/dev/${d.name}`,
    DEVPATH: d.devpath,
    SUBSYSTEM: 'block',
  };
  for (const k of ['DEVTYPE', 'MAJOR', 'MINOR', 'DISKSEQ'] as const)
    if (d.uevent[k]) p[k] = d.uevent[k];
  p.DEVTYPE ??= 'disk';
  const bus = { sata: 'ata', ide: 'ata', nvme: 'nvme', usb: 'usb', sas: 'scsi', scsi: 'scsi' }[
    d.transport as string
  ];
  if (bus) p.ID_BUS = bus;
  if (d.transport !== 'virtio' && d.model) p.ID_MODEL = enc(d.model);
  if (d.transport === 'usb' || bus === 'scsi') if (d.vendor) p.ID_VENDOR = enc(d.vendor);
  if (d.serial) {
    p.ID_SERIAL_SHORT = d.serial;
    p.ID_SERIAL =
      d.transport === 'virtio'
        ? d.serial
        : d.transport === 'usb'
          ? `${enc(d.vendor)}_${enc(d.model)}_${d.serial}-0:0`
          : bus === 'scsi' && d.wwn?.startsWith('0x')
            ? `3${d.wwn.slice(2)}`
            : d.model
              ? `${enc(d.model)}_${d.serial}`
              : d.serial;
  }
  if (d.wwn) p.ID_WWN = d.wwn;
  const pathId = derivePathId(d.devpath, d.name, d.transport, d.hctl);
  if (pathId) {
    p.ID_PATH = pathId;
    p.ID_PATH_TAG = pathId.replace(/[^A-Za-z0-9-]/g, '_');
  }
  if (d.isRom) {
    p.ID_CDROM = '1';
    p.ID_TYPE = 'cd';
  } else if (d.transport !== 'virtio' && d.transport !== 'nvme' && d.transport !== 'unknown')
    p.ID_TYPE = 'disk';
  if (d.fstype) p.ID_FS_TYPE = d.fstype;
  if (d.label) p.ID_FS_LABEL = d.label;
  if (d.pttype) p.ID_PART_TABLE_TYPE = d.pttype;
  return p;
}

export interface NicFacts {
  name: string;
  ifindex: number;
  devpath: string;
  mac: string;
  driver: string;
  /** PCI ids '0x8086' / '0x1533', '' when not a PCI device */
  vendorId: string;
  modelId: string;
  /** whether the PCI device has sibling functions (systemd then adds `f<fn>` to the name) */
  multifunction: boolean;
}

/** enp3s0 / enp24s0f1 as systemd's net_id names a PCI device in domain 0; null otherwise. */
export function pciPathName(pci: string, multifunction: boolean): string | null {
  const m = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/.exec(pci);
  if (!m) return null;
  const [, domain, bus, slot, fn] = m;
  const prefix = domain === '0000' ? '' : `P${parseInt(domain!, 16)}`;
  return `en${prefix}p${parseInt(bus!, 16)}s${parseInt(slot!, 16)}${multifunction || fn !== '0' ? `f${fn}` : ''}`;
}

export function deriveNicUdev(n: NicFacts): Record<string, string> {
  const p: Record<string, string> = {
    INTERFACE: n.name,
    IFINDEX: String(n.ifindex),
    SUBSYSTEM: 'net',
    DEVPATH: n.devpath,
  };
  const pci = pciAddress(n.devpath);
  if (pci) {
    p.ID_BUS = 'pci';
    if (n.vendorId) p.ID_VENDOR_ID = n.vendorId;
    if (n.modelId) p.ID_MODEL_ID = n.modelId;
    p.ID_PATH = `pci-${pci}`;
    p.ID_PATH_TAG = `pci-${pci.replace(/[:.]/g, '_')}`;
    const pathName = pciPathName(pci, n.multifunction);
    if (pathName) p.ID_NET_NAME_PATH = pathName;
  } else if (n.devpath.includes('/usb')) p.ID_BUS = 'usb';
  if (n.driver) p.ID_NET_DRIVER = n.driver;
  if (/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(n.mac))
    p.ID_NET_NAME_MAC = `enx${n.mac.replace(/:/g, '')}`;
  return p;
}
