// The values every screen starts with: defaults from the hardware, the environment and the
// current DHCP lease, so that Enter on every screen (plus a password) installs a working node.
import type { HardwareProfile } from '../../hardware/types.ts';
import type { LocaleGuess } from '../env-defaults.ts';
import { defaultDisk, defaultNic } from './targets.ts';
import type { NetworkLease, WizardValues } from './values.ts';

export function initialValues(
  hw: HardwareProfile,
  locale: LocaleGuess,
  lease: NetworkLease | null,
): WizardValues {
  const disk = defaultDisk(hw);
  const nic = lease?.nic ?? defaultNic(hw)?.name ?? '';
  const domain = lease?.domain || 'localdomain';
  const host = lease?.hostname && lease.hostname !== 'localhost' ? lease.hostname : 'openve';
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
    network: lease
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
