// The values every screen starts with: defaults from the hardware, the environment and the
// current DHCP lease, so that Enter on every screen (plus a password) installs a working node.
import type { HardwareProfile } from '../../../contracts/hardware/types.ts';
import type { LocaleGuess } from '../env-defaults.ts';
import { defaultDisk, defaultNic } from './targets.ts';
import type { NetworkLease, WizardValues } from './values.ts';

/** The live ISO's own host name (iso/chroot/live-setup.sh): never a name for the node. */
export const LIVE_HOSTNAME = 'openve-installer';

export function initialValues(
  hw: HardwareProfile,
  locale: LocaleGuess,
  lease: NetworkLease | null,
): WizardValues {
  const disk = defaultDisk(hw);
  const nic = lease?.nic ?? defaultNic(hw)?.name ?? '';
  const domain = lease?.domain || 'localdomain';
  // a host name DHCP gave the live system is a good default; its built-in names are not
  const given = lease?.hostname;
  const host = given && given !== 'localhost' && given !== LIVE_HOSTNAME ? given : 'openve';
  return {
    disk: {
      filesystem: 'ext4',
      disks: disk ? [disk] : [],
      raid: 'raid1',
      hdsize: '',
      swapsize: '',
      maxroot: '',
      minfree: '',
      maxvz: '',
    },
    locale,
    password: {
      password: '',
      confirm: '',
      mailto: `root@${domain === 'localdomain' ? 'localhost' : domain}`,
    },
    ssh: { keys: [] },
    // static from the lease only when it is complete (an address without a default route, seen
    // while DHCP is still settling, would leave the defaults failing on the network screen)
    network: lease?.gateway
      ? {
          nic,
          mode: 'static',
          fqdn: `${host}.${domain}`,
          cidr: lease.cidr,
          gateway: lease.gateway ?? '',
          dns: lease.dns ?? lease.gateway ?? '',
        }
      : { nic, mode: 'dhcp', fqdn: `${host}.${domain}`, cidr: '', gateway: '', dns: '' },
    cluster: { mode: 'none', name: '', master: '', token: '', fingerprint: '' },
  };
}
