// "Save answers to the OPENVE-AIS stick": the answer file of an interactive install written to a
// partition labelled OPENVE-AIS (the label the live ISO looks for, installer/locate), so the next
// machine installs unattended from the same stick. Found by label, mounted, written, unmounted.
import { findLabelled, type LabelledDevice } from '../locate/partition.ts';
import { ANSWER_FILE_NAME, PARTITION_LABEL } from '../locate/paths.ts';
import type { CommandRunner } from '../../lib/exec/index.ts';

export const STICK_MOUNT = '/run/openve/ais-save';

export interface StickDeps {
  runner: CommandRunner;
  /** writes the file (mode 0600); injected so tests need no mounted file system */
  write: (path: string, text: string) => Promise<void>;
  dryRun: boolean;
}

export const NO_STICK =
  `no partition labelled ${PARTITION_LABEL} found: plug in a USB stick with a FAT partition of that label ` +
  `(e.g. mkfs.vfat -n ${PARTITION_LABEL} /dev/sdX1) and press u again`;

/** Writes answer.toml to the OPENVE-AIS partition; returns what was done, throws a clear message. */
export async function saveToStick(deps: StickDeps, text: string): Promise<string> {
  const { runner } = deps;
  const lsblk = await runner.run(['lsblk', '-J', '-o', 'NAME,PATH,LABEL,FSTYPE'], {
    reject: false,
    timeoutMs: 20_000,
  });
  let found: LabelledDevice[];
  try {
    found = lsblk.exitCode === 0 ? findLabelled(lsblk.stdout) : [];
  } catch {
    found = [];
  }
  const ours = found.filter((d) => d.label.toUpperCase() === PARTITION_LABEL);
  if (ours.length === 0) throw new Error(NO_STICK);
  if (ours.length > 1)
    throw new Error(
      `${ours.length} partitions are labelled ${PARTITION_LABEL} (${ours.map((d) => d.path).join(', ')}): keep one plugged in`,
    );
  const dev = ours[0]!;
  if (deps.dryRun)
    return `dry run: would write ${ANSWER_FILE_NAME} to ${PARTITION_LABEL} (${dev.path})`;
  await runner.run(['mkdir', '-p', STICK_MOUNT]);
  const mounted = await runner.run(['mount', dev.path, STICK_MOUNT], {
    reject: false,
    timeoutMs: 20_000,
  });
  if (mounted.exitCode !== 0)
    throw new Error(
      `cannot mount ${dev.path} (${PARTITION_LABEL}): ${mounted.stderr.trim() || `exit ${mounted.exitCode}`}`,
    );
  try {
    await deps.write(`${STICK_MOUNT}/${ANSWER_FILE_NAME}`, text);
  } finally {
    // unmount flushes the stick: it can be pulled once this returns
    await runner.run(['umount', STICK_MOUNT], { reject: false, timeoutMs: 60_000 });
  }
  return `saved ${ANSWER_FILE_NAME} to ${PARTITION_LABEL} (${dev.path}, password hashed)`;
}
