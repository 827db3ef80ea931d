// The one definition of how many disks each btrfs RAID level needs: the answer checks, the
// planner and the text UI's disk screen all read it from here.
export const BTRFS_MIN_DISKS = { raid0: 1, raid1: 2, raid10: 4 } as const;

export type BtrfsRaidLevel = keyof typeof BTRFS_MIN_DISKS;

/** The shared sentence: `btrfs raid1 needs at least 2 disks` (the level as the caller spells it). */
export function btrfsNeeds(level: string, min: number): string {
  return `btrfs ${level} needs at least ${min} disks`;
}
