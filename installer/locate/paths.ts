// Where the live ISO looks for an answer. The names on the medium are the contract with the ISO
// recipe and `prepare-iso` (iso/), which writes the same files into an existing ISO.

/** where live-boot mounts the boot medium */
export const LIVE_MEDIUM = '/run/live/medium';
/** the directory and file names on the medium: contracts/medium.ts (prepare-iso writes them) */
import {
  ANSWER_FILE_NAME,
  ANSWER_URL_FILE_NAME,
  FIRST_BOOT_FILE_NAME,
  ISO_OPENVE_DIR,
} from '../../contracts/medium.ts';
export { ANSWER_FILE_NAME, ANSWER_URL_FILE_NAME, FIRST_BOOT_FILE_NAME, ISO_OPENVE_DIR };

export const ISO_ANSWER_PATH = `${LIVE_MEDIUM}/${ISO_OPENVE_DIR}/${ANSWER_FILE_NAME}`;
export const ISO_ANSWER_URL_PATH = `${LIVE_MEDIUM}/${ISO_OPENVE_DIR}/${ANSWER_URL_FILE_NAME}`;
export const ISO_FIRST_BOOT_PATH = `${LIVE_MEDIUM}/${ISO_OPENVE_DIR}/${FIRST_BOOT_FILE_NAME}`;

/** file system label of a partition / USB stick carrying answer.toml (FAT labels hold 11 chars) */
export const PARTITION_LABEL = 'OPENVE-AIS';
/** Proxmox's label, accepted too so that an existing Proxmox answer stick works unchanged */
export const PROXMOX_PARTITION_LABEL = 'PROXMOX-AIS';

/** DHCP private options (RFC 3942 site-specific range) — the same numbers as Proxmox uses */
export const DHCP_URL_OPTION = 250;
export const DHCP_FINGERPRINT_OPTION = 251;
/** dhclient option names: ours and Proxmox's, as declared in dhclient.conf */
export const DHCLIENT_URL_OPTION_NAMES = [
  'openve-answer-url',
  'proxmox-auto-installer-manifest-url',
];
export const DHCLIENT_FINGERPRINT_OPTION_NAMES = [
  'openve-answer-cert-fingerprint',
  'proxmox-auto-installer-cert-fingerprint',
];
/** DNS TXT records looked up under the search domain from resolv.conf (ours first, then Proxmox's) */
export const DNS_URL_NAMES = ['openve-answer', 'proxmox-auto-installer'];
export const DNS_FINGERPRINT_NAMES = [
  'openve-answer-cert-fingerprint',
  'proxmox-auto-installer-cert-fingerprint',
];

export interface LocatePaths {
  cmdline: string;
  isoAnswer: string;
  isoAnswerUrl: string;
  isoFirstBoot: string;
  /** dhclient lease files, newest lease last in each */
  dhclientLeases: string[];
  /** systemd-networkd lease directory (files named by ifindex) */
  networkdLeaseDir: string;
  resolvConf: string;
}

export const DEFAULT_PATHS: LocatePaths = {
  cmdline: '/proc/cmdline',
  isoAnswer: ISO_ANSWER_PATH,
  isoAnswerUrl: ISO_ANSWER_URL_PATH,
  isoFirstBoot: ISO_FIRST_BOOT_PATH,
  dhclientLeases: ['/var/lib/dhcp/dhclient.leases', '/var/lib/dhclient/dhclient.leases'],
  networkdLeaseDir: '/run/systemd/netif/leases',
  resolvConf: '/etc/resolv.conf',
};
