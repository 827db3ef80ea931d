// The normalized install intent. Both producers build exactly this: the answer-file parser
// (answers/parse.ts, from TOML validated by answers/schema.ts) and the interactive UI.
// answers/serialize.ts turns it back into an answer file ("save answers").
// Field names are camelCase here; the TOML file uses Proxmox's kebab-case keys.

export type Filesystem = 'ext4' | 'xfs' | 'btrfs';
export type BtrfsRaid = 'raid0' | 'raid1' | 'raid10';
export type FilterMatch = 'any' | 'all';
/** udev property name -> glob, e.g. { ID_MODEL: 'Samsung*' } or { ID_NET_NAME_MAC: '*126f*' } */
export type UdevFilter = Record<string, string>;

export type RootPassword =
  | { kind: 'plain'; value: string } // only ever lives in memory; the planner hashes nothing and prints a reference
  | { kind: 'hashed'; hash: string }; // crypt(3): $y$, $6$ or $5$

export type Fqdn =
  { source: 'from-answer'; value: string } | { source: 'from-dhcp'; domain?: string };

export interface GlobalAnswers {
  keyboard: string; // Proxmox keyboard id: 'en-us', 'de', 'fr-ch', ...
  country: string; // ISO 3166-1 alpha-2, lower case
  fqdn: Fqdn;
  mailto: string;
  timezone: string; // IANA, e.g. 'Europe/Vienna'
  rootPassword: RootPassword;
  rootSshKeys: string[]; // each one OpenSSH public key line
  rebootOnError: boolean;
  rebootMode: 'reboot' | 'power-off';
}

export interface NetworkAnswers {
  source: 'from-dhcp' | 'from-answer';
  /** from-answer only: address with prefix, e.g. '192.168.1.10/24' (or IPv6) */
  cidr?: string;
  gateway?: string;
  dns?: string;
  /** picks the management NIC; empty = first NIC with link, else first NIC */
  filter: UdevFilter;
  /**
   * enabled: true pins every NIC (mapping, else nicN), false pins none, null (not in the answer)
   * pins the management NIC or bond members under their current names; mapping: MAC (lower case)
   * -> interface name
   */
  pinning: { enabled: boolean | null; mapping: Record<string, string> };
  bond?: {
    mode:
      | 'active-backup'
      | 'balance-rr'
      | 'balance-xor'
      | 'broadcast'
      | '802.3ad'
      | 'balance-tlb'
      | 'balance-alb';
    filter: UdevFilter;
  };
  vlan?: number; // 1-4094, tag of the management network on vmbr0
}

export interface LvmOptions {
  hdsize?: number; // GiB
  swapsize?: number;
  maxroot?: number;
  maxvz?: number;
  minfree?: number;
}

export interface DiskAnswers {
  filesystem: Filesystem;
  selection:
    { kind: 'list'; disks: string[] } | { kind: 'filter'; filter: UdevFilter; match: FilterMatch };
  lvm: LvmOptions;
  btrfs: { raid?: BtrfsRaid; compress?: 'on' | 'off' | 'zlib' | 'lzo' | 'zstd'; hdsize?: number };
}

export interface FirstBootAnswers {
  source: 'from-iso' | 'from-url';
  url?: string;
  certFingerprint?: string;
  ordering: 'before-network' | 'network-online' | 'fully-up';
}

export interface WebhookAnswers {
  url: string;
  certFingerprint?: string;
  /** Proxmox `auth-token`: sent back as "token" in the webhook body; a secret */
  authToken?: string;
}

export type ClusterAnswers =
  | { mode: 'create'; name: string; token?: string }
  | {
      mode: 'join';
      master: string;
      /** more members to ask, in order, when the master does not answer */
      members?: string[];
      token: string;
      fingerprint?: string;
    };

export interface Answers {
  global: GlobalAnswers;
  network: NetworkAnswers;
  disk: DiskAnswers;
  firstBoot?: FirstBootAnswers;
  webhook?: WebhookAnswers;
  cluster?: ClusterAnswers;
}
