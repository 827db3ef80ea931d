// The pure planner (docs/design.md §1): (answers, hardware) -> Plan. No I/O, no clock, no randomness:
// the same inputs give a byte-identical plan. Step order and ids:
//   wipe:<disk>...  partition:<disk>...  lvm:openve | mkfs:root (btrfs)  mkfs:esp:<disk>...
//   mkfs:root  mkfs:swap  mount:target  extract:payload  bind:target  files:system  password:root
//   ssh-keys:root (when keys are given)  first-boot:hook  units:enable (with a cluster)
//   machine-id:reset  bootloader:grub  finalize
// then plan/overlap.ts keeps only the root LV in lvm:openve and moves what needs no extracted system
// beside extract:payload (mkfs:esp:*, bootloader:grub, lvcreate:openve/swap, mkfs:swap), and the
// configuration that needs no /boot (password, SSH keys, first boot, machine-id) beside the thin
// pool (lvcreate:openve/data) after the extraction.
import type { Answers } from '../../contracts/answers/types.ts';
import type { HardwareProfile } from '../../contracts/hardware/types.ts';
import type { Plan, Step } from '../../contracts/plan/types.ts';
import type { Issue, Result } from '../../lib/errors.ts';
import { CLUSTER_INIT_UNIT } from '../../contracts/node/types.ts';
import { selectDisks } from './disks.ts';
import { planNetwork } from './network.ts';
import { planStorage } from './storage.ts';
import { nodeName, systemFiles } from './files.ts';
import { bootFiles } from './boot.ts';
import { overlapAfterExtraction, overlapWithExtraction } from './overlap.ts';
import { redactUrl } from '../../contracts/answers/url.ts';

export const TARGET = '/target';
/** bound into the target for the chroot steps (grub, passwords, systemctl) */
export const BIND_PATHS = ['/dev', '/dev/pts', '/proc', '/sys', '/run'];
/** GRUB_CMDLINE_LINUX: kernel messages and a login on both the screen and the first serial port */
export const KERNEL_CMDLINE = 'console=tty0 console=ttyS0,115200n8';

export const NO_KVM_WARNING =
  'KVM guests will run without hardware acceleration (much slower): ' +
  'enable VT-x/AMD-V in the firmware setup; LXC containers are not affected.';

export function buildPlan(answers: Answers, hardware: HardwareProfile): Result<Plan> {
  const issues: Issue[] = [];
  const name = nodeName(answers);
  if (answers.global.fqdn.source === 'from-dhcp' && answers.network.source !== 'from-dhcp') {
    issues.push({
      path: 'global.fqdn',
      message:
        'source = "from-dhcp" needs network.source = "from-dhcp": with a static address the node never asks DHCP for its name; set fqdn to a name instead',
    });
  }
  const disks = selectDisks(answers.disk, hardware);
  if (!disks.ok) issues.push(...disks.issues);
  const net = planNetwork(answers.network, hardware);
  if (!net.ok) issues.push(...net.issues);
  if (!disks.ok || !net.ok) return { ok: false, issues };
  const storage = planStorage(answers, hardware, disks.value);
  if (!storage.ok) return { ok: false, issues: [...issues, ...storage.issues] };
  const files = systemFiles(answers, net.value, storage.value.fstab, name);
  if (!files.ok) return { ok: false, issues: [...issues, ...files.issues] };
  files.value.push(...bootFiles(storage.value.boot, KERNEL_CMDLINE));
  if (issues.length > 0) return { ok: false, issues };

  const warnings: string[] = [];
  if (hardware.cpu.virtualization === null) {
    warnings.push(
      `This CPU (${hardware.cpu.model}) reports no hardware virtualization (VT-x/AMD-V): ${NO_KVM_WARNING}`,
    );
  } else if (!hardware.kvm.devicePresent) {
    warnings.push(
      `/dev/kvm is missing although the CPU has ${hardware.cpu.virtualization}: ${NO_KVM_WARNING}`,
    );
  }
  for (const d of disks.value) {
    if (d.removable || d.transport === 'usb') {
      warnings.push(
        `${d.path} (${d.model || 'no model'}) is a removable or USB disk: fine for a test, slow and short-lived for a host.`,
      );
    }
  }
  warnings.push(...net.value.warnings, ...storage.value.warnings);

  const fb = answers.firstBoot;
  const steps: Step[] = [
    ...disks.value.map((d): Step => ({
      id: `wipe:${d.name}`,
      title: `Wiping ${d.path}`,
      weight: 1,
      kind: 'wipe',
      device: d.path,
    })),
    ...storage.value.steps,
    {
      id: 'mount:target',
      title: `Mounting the new system at ${TARGET}`,
      weight: 1,
      kind: 'mount',
      mounts: storage.value.mounts,
    },
    {
      id: 'extract:payload',
      title: 'Copying the system',
      weight: 70,
      kind: 'extract',
      source: 'payload',
    },
    {
      id: 'bind:target',
      title: 'Preparing the new system for configuration',
      weight: 1,
      kind: 'bind-mounts',
      paths: BIND_PATHS,
    },
    {
      id: 'files:system',
      title: 'Writing the configuration',
      weight: 1,
      kind: 'write-files',
      files: files.value,
    },
    {
      id: 'password:root',
      title: 'Setting the root password',
      weight: 1,
      kind: 'root-password',
      secret: 'root-password',
    },
  ];
  if (answers.global.rootSshKeys.length > 0) {
    steps.push({
      id: 'ssh-keys:root',
      title: `Installing ${answers.global.rootSshKeys.length} SSH key(s) for root`,
      weight: 1,
      kind: 'ssh-keys',
      user: 'root',
      keys: [...answers.global.rootSshKeys],
    });
  }
  steps.push({
    id: 'first-boot:hook',
    title: fb
      ? `Setting up the first-boot hook (${fb.source}, ${fb.ordering})`
      : 'Setting up first boot',
    weight: 1,
    kind: 'first-boot',
    source: fb?.source ?? 'none',
    // The webhook is posted by the first-boot runner once the network is up.
    ordering: fb?.ordering ?? (answers.webhook ? 'network-online' : 'fully-up'),
    ...(fb?.url !== undefined ? { url: redactUrl(fb.url) } : {}), // for display: credentials are secrets
    ...(fb?.certFingerprint !== undefined ? { certFingerprint: fb.certFingerprint } : {}),
    ...(answers.webhook ? { webhook: true } : {}),
  });
  if (answers.cluster) {
    steps.push({
      id: 'units:enable',
      title: 'Enabling cluster set-up at first boot',
      weight: 1,
      kind: 'chroot',
      commands: [['systemctl', 'enable', CLUSTER_INIT_UNIT]],
    });
  }
  steps.push(
    { id: 'machine-id:reset', title: 'Resetting the machine id', weight: 1, kind: 'machine-id' },
    {
      id: 'bootloader:grub',
      title: 'Installing the boot loader',
      weight: 8,
      kind: 'bootloader',
      biosDisks: storage.value.biosDisks,
      espDevices: storage.value.espDevices,
    },
    { id: 'finalize', title: 'Finishing', weight: 2, kind: 'finalize' },
  );

  const c = answers.cluster;
  const n = answers.network;
  return {
    ok: true,
    value: {
      version: 1,
      target: TARGET,
      summary: {
        fqdn: name.fqdn,
        hostname: name.hostname,
        filesystem: answers.disk.filesystem,
        layout: storage.value.layout,
        disks: disks.value.map((d) => ({
          path: d.path,
          name: d.name,
          model: d.model,
          serial: d.serial,
          sizeBytes: d.sizeBytes,
        })),
        nic: { name: net.value.bridgePort, mac: net.value.nic.mac },
        pins: net.value.pins.map((p) => ({ name: p.name, mac: p.mac })),
        pinsFrom: net.value.pinsByDefault ? 'default' : 'answer',
        network:
          n.source === 'from-dhcp'
            ? { source: 'from-dhcp' }
            : {
                source: 'from-answer',
                cidr: n.cidr ?? '',
                gateway: n.gateway ?? '',
                dns: n.dns ?? '',
              },
        volumes: storage.value.volumes,
        timezone: answers.global.timezone,
        keyboard: answers.global.keyboard,
        cluster: c
          ? c.mode === 'create'
            ? `create ${c.name}`
            : `join ${c.master}${c.members?.length ? ` (or ${c.members.join(', ')})` : ''}`
          : null,
      },
      warnings,
      steps: overlapAfterExtraction(overlapWithExtraction(steps)),
    },
  };
}
