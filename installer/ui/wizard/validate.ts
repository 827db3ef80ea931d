// Per-screen validation: field id -> message. Pure; the wizard reducer refuses to leave a screen
// with errors, and the screen shows each message under its field.
import type { HardwareProfile } from '../../../contracts/hardware/types.ts';
import { buildPlan } from '../../plan/buildPlan.ts';
import { toAnswers } from './answers.ts';
import {
  checkCidr,
  checkClusterName,
  checkCountry,
  checkEmail,
  checkFingerprint,
  checkFqdn,
  checkGateway,
  checkGiB,
  checkIp,
  checkKeyboard,
  checkPassword,
  checkSshKey,
  checkTimezone,
  checkToken,
} from './checks.ts';
import { installTargets } from './targets.ts';
import type { DiskValues, WizardValues } from './values.ts';

export type FieldErrors = Record<string, string>;

function collect(entries: [string, string | null][]): FieldErrors {
  const out: FieldErrors = {};
  for (const [k, v] of entries) if (v) out[k] = v;
  return out;
}

export { RAID_MIN_DISKS as minDisks } from '../../plan/disks.ts';
import { RAID_MIN_DISKS as minDisks } from '../../plan/disks.ts';
import { btrfsNeeds } from '../../../contracts/answers/raid.ts';

export function validateDisk(d: DiskValues, hw: HardwareProfile): FieldErrors {
  const targets = new Set(installTargets(hw).map((t) => t.name));
  let disks: string | null = null;
  if (d.disks.length === 0) disks = 'select a target disk (Space)';
  else if (d.disks.some((n) => !targets.has(n)))
    disks = `not an install target: ${d.disks.filter((n) => !targets.has(n)).join(', ')}`;
  else if (d.filesystem !== 'btrfs' && d.disks.length !== 1)
    disks = `${d.filesystem} (LVM-thin) installs onto exactly one disk`;
  else if (d.filesystem === 'btrfs' && d.disks.length < minDisks[d.raid])
    disks = `${btrfsNeeds(d.raid, minDisks[d.raid])}, ${d.disks.length} selected`;
  const lvm = d.filesystem !== 'btrfs';
  const errors = collect([
    ['disks', disks],
    ['hdsize', checkGiB(d.hdsize, 2)],
    ['swapsize', lvm ? checkGiB(d.swapsize) : null],
    ['maxroot', lvm ? checkGiB(d.maxroot, 1) : null],
    ['minfree', lvm ? checkGiB(d.minfree) : null],
    ['maxvz', lvm ? checkGiB(d.maxvz) : null],
  ]);
  if (
    lvm &&
    !errors.swapsize &&
    d.swapsize &&
    d.hdsize &&
    Number(d.swapsize) > Number(d.hdsize) / 2
  )
    errors.swapsize = `swapsize ${d.swapsize} GiB is more than half of hdsize ${d.hdsize} GiB`;
  return errors;
}

export function validateValues(screen: string, v: WizardValues, hw: HardwareProfile): FieldErrors {
  switch (screen) {
    case 'disk':
      return validateDisk(v.disk, hw);
    case 'locale':
      return collect([
        ['country', checkCountry(v.locale.country)],
        ['timezone', checkTimezone(v.locale.timezone)],
        ['keyboard', checkKeyboard(v.locale.keyboard)],
      ]);
    case 'password': {
      const p = v.password;
      return collect([
        ['password', checkPassword(p.password)],
        [
          'confirm',
          !checkPassword(p.password) && p.confirm !== p.password
            ? 'the passwords do not match'
            : null,
        ],
        ['mailto', checkEmail(p.mailto)],
      ]);
    }
    case 'ssh':
      return collect(v.ssh.keys.map((k, i) => [`key${i}`, checkSshKey(k)]));
    case 'network': {
      const n = v.network;
      const nic = hw.nics.some((x) => x.name === n.nic)
        ? null
        : hw.nics.length
          ? `choose a NIC: ${hw.nics.map((x) => x.name).join(', ')}`
          : 'no network interface found';
      const fixed = n.mode === 'static';
      return collect([
        ['nic', nic],
        ['fqdn', checkFqdn(n.fqdn)],
        ['cidr', fixed ? checkCidr(n.cidr) : null],
        ['gateway', fixed ? checkGateway(n.gateway, n.cidr) : null],
        ['dns', fixed ? checkIp(n.dns) : null],
      ]);
    }
    case 'cluster': {
      const c = v.cluster;
      if (c.mode === 'create') return collect([['name', checkClusterName(c.name)]]);
      if (c.mode === 'join')
        return collect([
          ['master', checkIp(c.master)],
          ['token', checkToken(c.token)],
          ['fingerprint', c.fingerprint ? checkFingerprint(c.fingerprint) : null],
        ]);
      return {};
    }
    default:
      return {};
  }
}

/** Live layout for the disk screen: the planner's own sizing, or its complaint about the disks. */
export function previewLayout(
  v: WizardValues,
  hw: HardwareProfile,
): { volumes: { name: string; sizeMiB: number }[]; layout: string } | { error: string } {
  const local = validateDisk(v.disk, hw);
  const first = Object.values(local)[0];
  if (first) return { error: first };
  // later screens are not filled in yet: stand-ins keep the planner to the disk question
  const stand = {
    ...v,
    password: { ...v.password, password: 'preview-only' },
    network: { ...v.network, fqdn: v.network.fqdn || 'preview.localdomain' },
  };
  const result = buildPlan(toAnswers(stand, hw), hw);
  if (result.ok)
    return { volumes: result.value.summary.volumes, layout: result.value.summary.layout };
  const issue = result.issues.find((i) => i.path.startsWith('disk')) ?? result.issues[0];
  return {
    error: issue ? (issue.path ? `${issue.path}: ${issue.message}` : issue.message) : 'no layout',
  };
}
