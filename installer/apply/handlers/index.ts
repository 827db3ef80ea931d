// One handler per plan step kind. Adding a step kind to plan/types.ts fails type-checking here
// until it has a handler.
import type { HandlerMap } from '../context.ts';
import { lvcreate, lvm, mkfs, mkfsBtrfs, partition, wipe } from './storage.ts';
import { bindMounts, mount } from './mount.ts';
import { extract } from './extract.ts';
import {
  chrootCommands,
  firstBoot,
  machineId,
  rootPassword,
  sshKeys,
  writeFiles,
} from './configure.ts';
import { bootloader } from './bootloader.ts';
import { finalize } from './finalize.ts';

export const handlers: HandlerMap = {
  wipe,
  partition,
  lvm,
  lvcreate,
  mkfs,
  'mkfs-btrfs': mkfsBtrfs,
  mount,
  extract,
  'bind-mounts': bindMounts,
  'write-files': writeFiles,
  'root-password': rootPassword,
  'ssh-keys': sshKeys,
  chroot: chrootCommands,
  'machine-id': machineId,
  'first-boot': firstBoot,
  bootloader,
  finalize,
};
