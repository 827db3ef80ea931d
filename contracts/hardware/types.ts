// Everything the installer knows about the machine. Built once by hardware/detect.ts (the only
// module that touches systeminformation, /sys or lsblk); JSON-serialisable, so tests and
// `--hardware FIXTURE.json` replay recorded machines.

export type DiskKind = 'disk' | 'loop' | 'rom' | 'ram' | 'md' | 'dm' | 'other';
export type Transport =
  'sata' | 'sas' | 'nvme' | 'usb' | 'virtio' | 'scsi' | 'mmc' | 'ide' | 'unknown';

export interface DiskInfo {
  name: string; // 'sda', 'nvme0n1', 'vda'
  path: string; // '/dev/sda'
  kind: DiskKind;
  sizeBytes: number;
  logicalSectorSize: number;
  model: string;
  serial: string;
  wwn: string | null;
  vendor: string;
  rotational: boolean;
  removable: boolean;
  readOnly: boolean;
  transport: Transport;
  /** this is the medium the installer booted from: never a target */
  isBootMedium: boolean;
  /**
   * where this disk (or a partition, LV or other holder on it) is mounted or used as swap right now
   * (`/`, `[SWAP]`); absent when nothing is. A disk in use is never a target (it holds the running
   * system or someone's data).
   */
  mountpoints?: string[];
  /** udev properties (ID_MODEL, ID_SERIAL, ID_PATH, ...), {} where udev does not run */
  udev: Record<string, string>;
}

export interface NicInfo {
  name: string; // kernel name: 'enp1s0', 'eth0'
  mac: string; // lower case 'aa:bb:cc:dd:ee:ff'
  driver: string;
  link: boolean; // carrier up
  speedMbps: number | null;
  udev: Record<string, string>;
}

export interface HardwareProfile {
  cpu: {
    model: string;
    vendor: string;
    cores: number; // physical
    threads: number; // logical
    /** 'vmx' (Intel VT-x), 'svm' (AMD-V) or null */
    virtualization: 'vmx' | 'svm' | null;
  };
  kvm: { devicePresent: boolean };
  iommu: { enabled: boolean; groups: number };
  memoryBytes: number;
  firmware: 'bios' | 'uefi';
  disks: DiskInfo[];
  nics: NicInfo[];
  /** free-form notes from detection (e.g. "udev not running: no udev properties") */
  notes: string[];
}
