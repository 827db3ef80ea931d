// Guest config -> libvirt domain XML. Pure; golden files in test/golden/manager/vm/.
import type { NodeFacts, VmConfig } from '../../../contracts/manager/guest.ts';
import { vmMaxMemory, vmMaxVcpus } from '../../../contracts/manager/guest.ts';
import { vmDiskVolume } from './volumes.ts';
import { el } from './xml.ts';

export const OPENVE_XMLNS = 'https://openve.dev/xmlns/guest/1';

/** libvirt's name for a VM: the id keeps it stable across renames; the name is the title. */
export const domainName = (id: number): string => `vm-${id}`;

/** The order devices boot in: explicit, else the ISO first (an installer), then disk, then network. */
export function bootOrder(
  cfg: Pick<VmConfig, 'boot' | 'iso' | 'disks' | 'nics' | 'kernel'>,
): ('disk' | 'cdrom' | 'network')[] {
  if (cfg.boot) return cfg.boot;
  if (cfg.kernel) return [];
  const order: ('disk' | 'cdrom' | 'network')[] = [];
  if (cfg.iso) order.push('cdrom');
  if (cfg.disks.length) order.push('disk');
  if (!order.length && cfg.nics.length) order.push('network');
  return order;
}

export function domainXml(
  cfg: VmConfig,
  node: Pick<NodeFacts, 'accel' | 'storages' | 'isoDir' | 'emulator'>,
): string {
  const accel = cfg.accel ?? node.accel;
  const order = bootOrder(cfg);
  const bootAt = (dev: 'disk' | 'cdrom' | 'network', first: boolean): string[] => {
    const i = order.indexOf(dev);
    return i >= 0 && first ? el('boot', { order: i + 1 }) : [];
  };

  const os = [
    ...el('type', { arch: 'x86_64', machine: 'q35' }, 'hvm'),
    ...(cfg.firmware === 'uefi'
      ? el('firmware', {}, [...el('feature', { enabled: 'no', name: 'secure-boot' })])
      : []),
    ...(cfg.kernel ? el('kernel', {}, cfg.kernel.path) : []),
    ...(cfg.kernel?.initrd ? el('initrd', {}, cfg.kernel.initrd) : []),
    ...(cfg.kernel?.cmdline ? el('cmdline', {}, cfg.kernel.cmdline) : []),
  ];

  const disks = cfg.disks.flatMap((_, n) => {
    const v = vmDiskVolume(cfg, n, node.storages);
    const target = `vd${String.fromCharCode(97 + n)}`;
    return v.kind === 'block'
      ? el('disk', { type: 'block', device: 'disk' }, [
          ...el('driver', {
            name: 'qemu',
            type: 'raw',
            cache: 'none',
            io: 'native',
            discard: 'unmap',
          }),
          ...el('source', { dev: v.path }),
          ...el('target', { dev: target, bus: 'virtio' }),
          ...bootAt('disk', n === 0),
        ])
      : el('disk', { type: 'file', device: 'disk' }, [
          ...el('driver', { name: 'qemu', type: v.format, discard: 'unmap' }),
          ...el('source', { file: v.path }),
          ...el('target', { dev: target, bus: 'virtio' }),
          ...bootAt('disk', n === 0),
        ]);
  });

  const cdrom = cfg.iso
    ? el('disk', { type: 'file', device: 'cdrom' }, [
        ...el('driver', { name: 'qemu', type: 'raw' }),
        ...el('source', { file: `${node.isoDir}/${cfg.iso}` }),
        ...el('target', { dev: 'sda', bus: 'sata' }),
        ...el('readonly'),
        ...bootAt('cdrom', true),
      ])
    : [];

  const nics = cfg.nics.flatMap((nic, i) =>
    el('interface', { type: 'bridge' }, [
      ...(nic.mac ? el('mac', { address: nic.mac }) : []),
      ...el('source', { bridge: nic.bridge }),
      ...(nic.vlan ? el('vlan', {}, [...el('tag', { id: nic.vlan })]) : []),
      ...el('model', { type: nic.model }),
      ...bootAt('network', i === 0),
    ]),
  );

  const lines = el('domain', { type: accel }, [
    ...el('name', {}, domainName(cfg.id)),
    ...(cfg.uuid ? el('uuid', {}, cfg.uuid) : []),
    ...el('title', {}, cfg.name),
    ...el('metadata', {}, [
      ...el('openve:guest', { 'xmlns:openve': OPENVE_XMLNS, id: cfg.id, kind: 'vm' }),
    ]),
    // hot-plug: <memory> is the most the balloon may give, <currentMemory> what it gives now;
    // vCPUs beyond `current` are hot-pluggable (libvirt marks them so)
    ...el('memory', { unit: 'MiB' }, String(vmMaxMemory(cfg))),
    ...el('currentMemory', { unit: 'MiB' }, String(cfg.memory)),
    ...el(
      'vcpu',
      vmMaxVcpus(cfg) > cfg.vcpus
        ? { placement: 'static', current: cfg.vcpus }
        : { placement: 'static' },
      String(vmMaxVcpus(cfg)),
    ),
    ...el('os', cfg.firmware === 'uefi' ? { firmware: 'efi' } : {}, os),
    ...el('features', {}, [...el('acpi'), ...el('apic')]),
    // host-passthrough only with KVM; TCG emulates its default model
    ...(accel === 'kvm'
      ? el('cpu', { mode: 'host-passthrough', check: 'none', migratable: 'on' })
      : []),
    ...el('clock', { offset: 'utc' }),
    ...el('on_poweroff', {}, 'destroy'),
    ...el('on_reboot', {}, 'restart'),
    ...el('on_crash', {}, 'destroy'),
    ...el('devices', {}, [
      ...el('emulator', {}, node.emulator),
      ...disks,
      ...cdrom,
      ...nics,
      ...el('serial', { type: 'pty' }, [...el('target', { port: 0 })]),
      ...el('console', { type: 'pty' }, [...el('target', { type: 'serial', port: 0 })]),
      // VNC only on loopback, reached through the manager's ticketed websocket proxy
      ...el(
        'graphics',
        { type: 'vnc', port: -1, autoport: 'yes', websocket: -1, listen: '127.0.0.1' },
        [...el('listen', { type: 'address', address: '127.0.0.1' })],
      ),
      ...el('video', {}, [...el('model', { type: 'vga' })]),
      ...el('memballoon', { model: 'virtio' }),
      ...el('rng', { model: 'virtio' }, [...el('backend', { model: 'random' }, '/dev/urandom')]),
    ]),
  ]);
  return lines.join('\n') + '\n';
}
