// The install plan: an ordered list of typed steps with stable ids, carrying every value the
// executor needs. Built by the pure plan/buildPlan.ts; run by apply/ (one handler per kind).
// No plaintext secret ever appears here: secrets are references resolved at apply time
// (see SecretRef and the @@SECRET:name@@ placeholder in FileSpec.content).

export type SecretName = 'root-password' | 'cluster-token' | 'webhook-token';

/** Placeholder written into rendered file content; apply/ substitutes the secret's value. */
export const secretPlaceholder = (name: SecretName): string => `@@SECRET:${name}@@`;

export type PartitionRole = 'bios-boot' | 'esp' | 'lvm' | 'btrfs';

export interface PartitionSpec {
  number: number; // 1-based
  path: string; // '/dev/sda2', '/dev/nvme0n1p2', '/dev/loop0p2'
  role: PartitionRole;
  sizeMiB: number | null; // null: the rest of the disk (or up to hdsize; see limitMiB)
  typeCode: 'EF02' | 'EF00' | '8E00' | '8300'; // sgdisk type codes
  name: string; // GPT partition name
}

export interface LogicalVolume {
  name: string; // 'swap' | 'root' | 'data'
  sizeMiB: number;
  type: 'linear' | 'thin-pool';
  metadataMiB?: number; // thin pool metadata size
}

export interface MountSpec {
  device: string; // block device, or 'UUID=...' is NOT used here: a real path
  mountpoint: string; // inside the target: '/', '/boot/efi'
  fstype: string;
  options: string[]; // e.g. ['subvol=@'], ['compress=zstd']
}

export interface FileSpec {
  path: string; // absolute path inside the target: '/etc/hostname'
  mode: string; // octal string: '0644', '0600'
  content: string; // rendered; may contain @@SECRET:name@@ placeholders
  /** when set, `path` is a symbolic link to this target (content is '' and mode is ignored),
   *  e.g. /etc/localtime -> /usr/share/zoneinfo/Europe/Vienna */
  symlink?: string;
}

interface StepBase {
  id: string; // stable: 'partition:sda', 'mkfs:root', 'extract:payload'
  title: string; // human text for progress: 'Partitioning /dev/sda'
  weight: number; // relative cost for progress ratio (extract dominates)
}

export type Step = StepBase &
  (
    | { kind: 'wipe'; device: string } // remove signatures of the disk and its partitions, deactivate LVM on it
    | { kind: 'partition'; device: string; sizeLimitMiB: number | null; partitions: PartitionSpec[] }
    | { kind: 'lvm'; vg: string; pvs: string[]; volumes: LogicalVolume[] }
    | { kind: 'mkfs'; device: string; fstype: 'ext4' | 'xfs' | 'vfat' | 'swap'; label: string; uuid: string }
    | {
        kind: 'mkfs-btrfs';
        devices: string[];
        dataProfile: 'single' | 'raid0' | 'raid1' | 'raid10';
        metadataProfile: 'single' | 'dup' | 'raid0' | 'raid1' | 'raid10';
        label: string;
        uuid: string;
        subvolumes: string[]; // created at the top level, e.g. ['@', '@vz']
      }
    | { kind: 'mount'; mounts: MountSpec[] } // in order, under plan.target
    | { kind: 'extract'; source: 'payload' } // the payload image path is a runtime input
    | { kind: 'bind-mounts'; paths: string[] } // '/dev', '/proc', ... bound into the target for chroot
    | { kind: 'write-files'; files: FileSpec[] }
    | { kind: 'root-password'; secret: 'root-password' }
    | { kind: 'ssh-keys'; user: 'root'; keys: string[] }
    | { kind: 'chroot'; commands: string[][] } // fixed argv lists run inside the target
    | { kind: 'machine-id' } // empty /etc/machine-id so first boot generates one
    | {
        kind: 'first-boot';
        source: 'from-iso' | 'from-url' | 'none';
        ordering: 'before-network' | 'network-online' | 'fully-up';
        url?: string;
        certFingerprint?: string;
        /** a post-installation webhook is configured: the first-boot unit must run even without a hook */
        webhook?: boolean;
      } // install the hook (from the live medium or URL config) and enable the first-boot unit
    | {
        kind: 'bootloader';
        biosDisks: string[]; // grub-install --target=i386-pc on each
        espDevices: string[]; // one ESP per disk; the first is mounted at /boot/efi, the others synced
        // grub.cfg and GRUB's defaults are files of the plan (boot.ts), written by files:system
      }
    | { kind: 'finalize' } // copy install log + redacted answer to /var/log/openve-install, unmount, sync
  );

export type StepKind = Step['kind'];

export interface PlannedDisk {
  path: string;
  name: string;
  model: string;
  serial: string;
  sizeBytes: number;
}

export interface Plan {
  version: 1;
  target: string; // where the new system is mounted, '/target'
  summary: {
    fqdn: string | null; // null: taken from DHCP at first boot
    hostname: string | null;
    filesystem: 'ext4' | 'xfs' | 'btrfs';
    layout: string; // 'LVM-thin on /dev/sda', 'btrfs raid1 on /dev/sda, /dev/sdb'
    disks: PlannedDisk[]; // every disk that will be wiped
    nic: { name: string; mac: string };
    network: { source: 'from-dhcp' } | { source: 'from-answer'; cidr: string; gateway: string; dns: string };
    volumes: { name: string; sizeMiB: number }[]; // LVs or btrfs subvolumes (size 0 = shared)
    timezone: string;
    keyboard: string;
    cluster: string | null; // 'create openve-lab' | 'join 10.0.0.1' | null
  };
  warnings: string[]; // e.g. no VT-x: carried, not fatal
  steps: Step[];
}
