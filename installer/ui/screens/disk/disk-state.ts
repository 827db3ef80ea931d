// Disk screen state: filesystem, selected disks, and the advanced panel (a form of its own).
import type { BtrfsRaid, Filesystem } from '../../../../contracts/answers/types.ts';
import type { HardwareProfile } from '../../../../contracts/hardware/types.ts';
import type { FieldSpec, FormState } from '../../components/form/form-state.ts';
import { formKey, initForm } from '../../components/form/form-state.ts';
import type { KeyPress } from '../../keys.ts';
import { minDisks } from '../../wizard/validate.ts';
import { installTargets } from '../../wizard/targets.ts';
import type { DiskValues } from '../../wizard/values.ts';

export const FILESYSTEMS: { value: Filesystem; label: string }[] = [
  { value: 'ext4', label: 'ext4 (LVM-thin)' },
  { value: 'xfs', label: 'xfs (LVM-thin)' },
  { value: 'btrfs', label: 'btrfs (RAID 0/1/10 over one or more disks)' },
];

const RAIDS: { value: BtrfsRaid; label: string }[] = [
  { value: 'raid0', label: 'raid0 (striped, no redundancy)' },
  { value: 'raid1', label: 'raid1 (mirror, min. 2 disks)' },
  { value: 'raid10', label: 'raid10 (min. 4 disks)' },
];

export function advancedFields(fs: Filesystem): FieldSpec[] {
  const gib = (id: string, label: string, hint: string): FieldSpec => ({
    id,
    label,
    kind: 'text',
    placeholder: 'auto',
    hint,
    maxLength: 8,
  });
  if (fs === 'btrfs')
    return [
      { id: 'raid', label: 'RAID level', kind: 'choice', options: RAIDS },
      gib('hdsize', 'hdsize (GiB)', 'space used on each disk; empty = whole disk'),
    ];
  return [
    gib('hdsize', 'hdsize (GiB)', 'space used on the disk; empty = whole disk'),
    gib('swapsize', 'swapsize (GiB)', 'default: RAM, 4..8 GiB, at most hdsize/8'),
    gib('maxroot', 'maxroot (GiB)', 'default: hdsize/4, at most 96 GiB'),
    gib('minfree', 'minfree (GiB)', 'left free in the VG; default hdsize/8, at most 16'),
    gib('maxvz', 'maxvz (GiB)', 'size of the thin pool "data"; default: the rest'),
  ];
}

export interface DiskState {
  values: DiskValues;
  focus: number; // 0 = filesystem, 1.. = disk rows
  advanced: FormState | null;
  saved: DiskValues | null; // values when the panel opened (Esc restores them)
  /** the RAID level follows the disk count (raid0 for one, raid1 for more) until the user picks one */
  raidAuto: boolean;
}

export type DiskAction = { type: 'key'; key: KeyPress; hw: HardwareProfile };

export function initDiskState(values: DiskValues): DiskState {
  return { values, focus: 0, advanced: null, saved: null, raidAuto: true };
}

function fitRaid(values: DiskValues, auto: boolean): DiskValues {
  if (values.filesystem !== 'btrfs') return values;
  if (!auto && values.disks.length >= minDisks[values.raid]) return values;
  return { ...values, raid: values.disks.length >= 2 ? 'raid1' : 'raid0' };
}

export function withAdvanced(values: DiskValues, form: FormState): DiskValues {
  const v = form.values;
  return {
    ...values,
    raid: (v.raid as BtrfsRaid | undefined) ?? values.raid,
    hdsize: v.hdsize ?? '',
    swapsize: v.swapsize ?? values.swapsize,
    maxroot: v.maxroot ?? values.maxroot,
    minfree: v.minfree ?? values.minfree,
    maxvz: v.maxvz ?? values.maxvz,
  };
}

/** Usable btrfs space before metadata: raid0 all, raid1/raid10 half (raid1 at most what the others mirror). */
export function btrfsUsableBytes(raid: BtrfsRaid, sizes: number[]): number {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (raid === 'raid0') return total;
  if (raid === 'raid1') return Math.min(total / 2, total - Math.max(0, ...sizes));
  return total / 2;
}

export function toggleDisk(values: DiskValues, name: string): DiskValues {
  if (values.filesystem !== 'btrfs') return { ...values, disks: [name] };
  const on = values.disks.includes(name);
  return {
    ...values,
    disks: on ? values.disks.filter((d) => d !== name) : [...values.disks, name],
  };
}

export function setFilesystem(values: DiskValues, fs: Filesystem): DiskValues {
  const disks = fs === 'btrfs' ? values.disks : values.disks.slice(0, 1);
  const raid: BtrfsRaid = disks.length >= 2 ? 'raid1' : 'raid0';
  return {
    ...values,
    filesystem: fs,
    disks,
    raid: fs === 'btrfs' && values.filesystem !== 'btrfs' ? raid : values.raid,
  };
}

export function diskReducer(state: DiskState, action: DiskAction): DiskState {
  const { key, hw } = action;
  if (state.advanced) {
    const fields = advancedFields(state.values.filesystem);
    if (key.kind === 'enter')
      return {
        ...state,
        advanced: null,
        saved: null,
        raidAuto: state.raidAuto && state.values.raid === state.saved?.raid,
      };
    if (key.kind === 'escape')
      return { ...state, advanced: null, values: state.saved ?? state.values, saved: null };
    const form = formKey(state.advanced, fields, key);
    return { ...state, advanced: form, values: withAdvanced(state.values, form) };
  }
  const targets = installTargets(hw);
  const rows = targets.length + 1;
  switch (key.kind) {
    case 'up':
    case 'backtab':
      return { ...state, focus: (state.focus - 1 + rows) % rows };
    case 'down':
    case 'tab':
      return { ...state, focus: (state.focus + 1) % rows };
    case 'left':
    case 'right': {
      if (state.focus !== 0) return state;
      const at = FILESYSTEMS.findIndex((f) => f.value === state.values.filesystem);
      const fs =
        FILESYSTEMS[
          (at + (key.kind === 'left' ? -1 : 1) + FILESYSTEMS.length) % FILESYSTEMS.length
        ]!.value;
      return { ...state, values: setFilesystem(state.values, fs) };
    }
    case 'space': {
      if (state.focus === 0) return diskReducer(state, { type: 'key', key: { kind: 'right' }, hw });
      const disk = targets[state.focus - 1];
      return disk
        ? { ...state, values: fitRaid(toggleDisk(state.values, disk.name), state.raidAuto) }
        : state;
    }
    case 'text': {
      if (key.text.toLowerCase() !== 'a') return state;
      const v = state.values;
      const form = initForm(
        {
          raid: v.raid,
          hdsize: v.hdsize,
          swapsize: v.swapsize,
          maxroot: v.maxroot,
          minfree: v.minfree,
          maxvz: v.maxvz,
        },
        advancedFields(v.filesystem),
      );
      return { ...state, advanced: form, saved: v };
    }
    default:
      return state;
  }
}
