// WizardValues -> Answers: the interactive install produces exactly what an answer file would.
import type { Answers, LvmOptions, UdevFilter } from '../../../contracts/answers/types.ts';
import type { HardwareProfile, NicInfo } from '../../../contracts/hardware/types.ts';
import type { WizardValues } from './values.ts';

const gib = (s: string): number | undefined => (s === '' ? undefined : Number(s));

/** The udev filter that selects exactly this NIC (falls back to the kernel name where udev is absent). */
export function nicFilter(nic: NicInfo | undefined, name: string): UdevFilter {
  if (nic?.udev.ID_NET_NAME_MAC) return { ID_NET_NAME_MAC: nic.udev.ID_NET_NAME_MAC };
  return { INTERFACE: name };
}

export function toAnswers(v: WizardValues, hw: HardwareProfile): Answers {
  const lvm: LvmOptions = {};
  for (const k of ['hdsize', 'swapsize', 'maxroot', 'minfree', 'maxvz'] as const) {
    const n = gib(v.disk[k]);
    if (n !== undefined) lvm[k] = n;
  }
  const isBtrfs = v.disk.filesystem === 'btrfs';
  const hdsize = gib(v.disk.hdsize);
  const nic = hw.nics.find((n) => n.name === v.network.nic);
  const answers: Answers = {
    global: {
      keyboard: v.locale.keyboard,
      country: v.locale.country,
      fqdn: { source: 'from-answer', value: v.network.fqdn },
      mailto: v.password.mailto,
      timezone: v.locale.timezone,
      rootPassword: { kind: 'plain', value: v.password.password },
      rootSshKeys: [...v.ssh.keys],
      rebootOnError: false,
      rebootMode: 'reboot',
    },
    network:
      v.network.mode === 'static'
        ? {
            source: 'from-answer',
            cidr: v.network.cidr,
            gateway: v.network.gateway,
            dns: v.network.dns,
            filter: nicFilter(nic, v.network.nic),
            pinning: { enabled: null, mapping: {} },
          }
        : {
            source: 'from-dhcp',
            filter: nicFilter(nic, v.network.nic),
            pinning: { enabled: null, mapping: {} },
          },
    disk: {
      filesystem: v.disk.filesystem,
      selection: { kind: 'list', disks: [...v.disk.disks] },
      lvm: isBtrfs ? {} : lvm,
      btrfs: isBtrfs ? { raid: v.disk.raid, ...(hdsize !== undefined ? { hdsize } : {}) } : {},
    },
  };
  const c = v.cluster;
  if (c.mode === 'create') answers.cluster = { mode: 'create', name: c.name };
  if (c.mode === 'join')
    answers.cluster = {
      mode: 'join',
      master: c.master,
      token: c.token,
      ...(c.fingerprint ? { fingerprint: c.fingerprint } : {}),
    };
  return answers;
}

/** Host part of the FQDN (what the destructive confirmation asks the user to type). */
export const hostnameOf = (fqdn: string): string => fqdn.split('.')[0] ?? fqdn;
