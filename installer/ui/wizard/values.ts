// What the wizard collects, screen by screen, as the strings the fields edit. toAnswers() turns
// this into the same normalized Answers an answer file parses to.
import type { BtrfsRaid, Filesystem } from '../../../contracts/answers/types.ts';

export interface DiskValues {
  filesystem: Filesystem;
  disks: string[]; // device names, in selection order
  raid: BtrfsRaid;
  // advanced, GiB as typed; '' = automatic
  hdsize: string;
  swapsize: string;
  maxroot: string;
  minfree: string;
  maxvz: string;
}

export interface LocaleValues {
  country: string;
  timezone: string;
  keyboard: string;
}

export interface PasswordValues {
  password: string;
  confirm: string;
  mailto: string;
}

export interface SshValues {
  keys: string[];
}

export interface NetworkValues {
  nic: string;
  mode: 'static' | 'dhcp';
  fqdn: string;
  cidr: string;
  gateway: string;
  dns: string;
}

export interface ClusterValues {
  mode: 'none' | 'create' | 'join';
  name: string;
  master: string;
  token: string;
  fingerprint: string;
}

export interface WizardValues {
  disk: DiskValues;
  locale: LocaleValues;
  password: PasswordValues;
  ssh: SshValues;
  network: NetworkValues;
  cluster: ClusterValues;
}

/** What the live system knows about the network (current DHCP lease), if anything. */
export interface NetworkLease {
  nic: string;
  cidr: string;
  gateway?: string;
  dns?: string;
  hostname?: string;
  domain?: string;
}
