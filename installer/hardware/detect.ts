// Builds the HardwareProfile of this machine. Sources, chosen by measurement (DESIGN 5; bench/detect.mjs):
// /proc and /sys for CPU, memory, KVM, IOMMU, firmware and NICs (a few µs each); `lsblk -J -O -b`
// for disks (transport, labels and filesystems, which it probes itself without udev); `ip -j link`
// for permanent MACs; `udevadm info` only where udev runs. systeminformation is not used here:
// its diskLayout() finds nothing without udev/smartctl, cpu() took 28 ms and importing it 20-40 ms,
// for facts one read of /proc/cpuinfo or /proc/meminfo gives. Everything independent runs in parallel.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandRunner } from '../exec/types.ts';
import {
  diskKind,
  normaliseWwn,
  parseCpuinfo,
  parseIpLink,
  parseLsblk,
  parseMeminfo,
  parseMounts,
  parseUevent,
  parseVpd80,
  transport,
  type IpLink,
  type LsblkRow,
} from './parse.ts';
import { probeRunner } from './runner.ts';
import { attr, hostReader, type SysReader } from './sysfs.ts';
import type { DiskInfo, HardwareProfile, NicInfo } from './types.ts';
import { deriveDiskUdev, deriveNicUdev, pciAddress, queryUdev } from './udev.ts';

export interface DetectOptions {
  /** where /proc, /sys, /dev and /run are read from (tests replay a recorded tree) */
  sys?: SysReader;
  /**
   * On the live system: bring administratively-down physical NICs up (`ip link set dev X up`) and
   * wait up to this long for carrier, because a down NIC cannot report its link. 0 (default): no
   * side effects, such NICs report no link and get a note. LINK_WAIT_MS is a good value.
   */
  linkWaitMs?: number;
}

/** Autonegotiation on real NICs takes 1-3 s after bring-up. */
export const LINK_WAIT_MS = 4000;

/** Label of the live ISO's ISO9660 volume (`grub-mkrescue -volid OPENVE`). */
export const MEDIUM_LABEL = 'OPENVE';
/** Where live-boot mounts the medium it booted from (and older/other live systems). */
const MEDIUM_MOUNTS = ['/run/live/medium', '/lib/live/mount/medium', '/cdrom'];

export const NOTE_NO_VT = 'CPU has no hardware virtualization (vmx/svm): KVM guests will not run, LXC containers will';
export const NOTE_NO_KVM = '/dev/kvm is missing';
export const NOTE_NO_UDEV = 'udev is not running: udev properties derived from sysfs and lsblk';

export async function detectHardware(runner: CommandRunner = probeRunner(), options: DetectOptions = {}): Promise<HardwareProfile> {
  const sys = options.sys ?? hostReader();
  const notes: string[] = [];
  const udevRunning = sys.exists('/run/udev/control');

  const [cpuText, memText, kvm, efi, iommuGroups, dmar, ivrs, blocks, nics] = await Promise.all([
    sys.text('/proc/cpuinfo'),
    sys.text('/proc/meminfo'),
    sys.exists('/dev/kvm'),
    sys.exists('/sys/firmware/efi'),
    sys.list('/sys/kernel/iommu_groups'),
    sys.exists('/sys/firmware/acpi/tables/DMAR'),
    sys.exists('/sys/firmware/acpi/tables/IVRS'),
    detectDisks(runner, sys, udevRunning, notes),
    detectNics(runner, sys, udevRunning, notes, options.linkWaitMs ?? 0),
  ]);

  const cpu = parseCpuinfo(cpuText ?? '');
  if (!cpu.virtualization) notes.push(NOTE_NO_VT);
  if (!kvm) notes.push(NOTE_NO_KVM);
  else if (!cpu.virtualization) notes.push('/dev/kvm exists but the CPU reports no vmx/svm: KVM guests will not start (use QEMU TCG)');
  if (iommuGroups.length === 0 && (dmar || ivrs))
    notes.push(`IOMMU present (ACPI ${dmar ? 'DMAR' : 'IVRS'}) but not enabled: PCI passthrough needs ${dmar ? 'intel_iommu=on' : 'amd_iommu=on'}`);
  if (!(await udevRunning)) notes.unshift(NOTE_NO_UDEV);

  return {
    cpu,
    kvm: { devicePresent: kvm },
    iommu: { enabled: iommuGroups.length > 0, groups: iommuGroups.length },
    memoryBytes: parseMeminfo(memText ?? ''),
    firmware: efi ? 'uefi' : 'bios',
    disks: blocks,
    nics,
    notes,
  };
}

// ---------- disks ----------

async function runLsblk(runner: CommandRunner, notes: string[]): Promise<LsblkRow[]> {
  try {
    const r = await runner.run(['lsblk', '-J', '-O', '-b'], { reject: false, timeoutMs: 15_000 });
    if (r.exitCode === 0) return parseLsblk(r.stdout);
    notes.push(`lsblk failed (exit ${r.exitCode}): disk details from sysfs only`);
  } catch (err) {
    notes.push(`lsblk unavailable (${err instanceof Error ? err.message : String(err)}): disk details from sysfs only`);
  }
  return [];
}

async function detectDisks(runner: CommandRunner, sys: SysReader, udevRunning: Promise<boolean>, notes: string[]): Promise<DiskInfo[]> {
  const [rows, names, mountsText] = await Promise.all([runLsblk(runner, notes), sys.list('/sys/block'), sys.text('/proc/mounts')]);
  const byName = new Map(rows.map((r) => [r.kname, r]));
  const disks = (await Promise.all(names.map((n) => readDisk(sys, n, byName.get(n))))).filter((d): d is DiskWork => d !== null);

  const mounts = parseMounts(mountsText ?? '');
  const boot = bootMedia(rows, mounts, names);
  const usage = diskUsage(rows, mounts, names);
  for (const d of disks) {
    d.info.isBootMedium = boot.has(d.info.name);
    const used = usage.get(d.info.name);
    if (used?.length) d.info.mountpoints = [...used].sort();
  }

  if (await udevRunning) {
    const props = await queryUdev(runner, disks.map((d) => d.info.path));
    for (const d of disks) d.info.udev = props.get(d.info.path) ?? d.derived;
  } else for (const d of disks) d.info.udev = d.derived;

  return disks.map((d) => d.info).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}

interface DiskWork {
  info: DiskInfo;
  derived: Record<string, string>;
}

async function readDisk(sys: SysReader, name: string, row: LsblkRow | undefined): Promise<DiskWork | null> {
  const dir = `/sys/block/${name}`;
  const [size, ro, rm, rota, lbs, model, vendor, serialAttr, devSerial, wwid, devWwid, vpd, devpath, ueventText] = await Promise.all([
    attr(sys, `${dir}/size`),
    attr(sys, `${dir}/ro`),
    attr(sys, `${dir}/removable`),
    attr(sys, `${dir}/queue/rotational`),
    attr(sys, `${dir}/queue/logical_block_size`),
    attr(sys, `${dir}/device/model`),
    attr(sys, `${dir}/device/vendor`),
    attr(sys, `${dir}/serial`),
    attr(sys, `${dir}/device/serial`),
    attr(sys, `${dir}/wwid`),
    attr(sys, `${dir}/device/wwid`),
    sys.bytes(`${dir}/device/vpd_pg80`),
    sys.real(dir),
    sys.text(`${dir}/uevent`),
  ]);
  const kind = diskKind(name, row?.type ?? '');
  const sizeBytes = row?.size || Number(size || 0) * 512;
  // unused loop devices (loop0-7 exist on every system) are not devices anyone means
  if (kind === 'loop' && sizeBytes === 0) return null;
  const sysDevpath = devpath?.replace(/^\/sys/, '') ?? `/devices/virtual/block/${name}`;
  const tran = row?.tran ? transport(name, row.tran) : transportFromPath(name, sysDevpath);
  const info: DiskInfo = {
    name,
    path: `/dev/${name}`,
    kind,
    sizeBytes,
    logicalSectorSize: row?.logSec || Number(lbs) || 512,
    model: row?.model || model,
    serial: row?.serial || serialAttr || devSerial || (vpd ? parseVpd80(vpd) : ''),
    wwn: normaliseWwn(row?.wwn || wwid || devWwid),
    vendor: row?.vendor || vendor,
    rotational: row ? row.rota : rota === '1',
    removable: row ? row.rm : rm === '1',
    readOnly: row ? row.ro : ro === '1',
    transport: kind === 'loop' || kind === 'ram' || kind === 'md' || kind === 'dm' ? 'unknown' : tran,
    isBootMedium: false,
    udev: {},
  };
  const derived = deriveDiskUdev({
    name,
    devpath: sysDevpath,
    uevent: parseUevent(ueventText ?? ''),
    transport: info.transport,
    model: info.model,
    serial: info.serial,
    vendor: info.vendor,
    wwn: info.wwn,
    hctl: row?.hctl ?? '',
    isRom: kind === 'rom',
    fstype: row?.fstype ?? '',
    label: row?.label ?? '',
    pttype: row?.pttype ?? '',
  });
  return { info, derived };
}

function transportFromPath(name: string, devpath: string): ReturnType<typeof transport> {
  const t = transport(name, '');
  if (t !== 'unknown') return t;
  if (devpath.includes('/usb')) return 'usb';
  if (/\/ata\d+\//.test(devpath)) return 'sata';
  if (devpath.includes('/virtio')) return 'virtio';
  if (/\/(host|target)\d/.test(devpath)) return 'scsi';
  return 'unknown';
}

/** Resolves any block device name (partition, LV, dm) to the whole disk it sits on. */
export function wholeDisk(rows: readonly LsblkRow[], sysBlock: readonly string[]): (kname: string) => string {
  const byName = new Map(rows.map((r) => [r.kname, r]));
  return (kname: string): string => {
    let r = byName.get(kname);
    const seen = new Set<string>();
    while (r && (r.parent ?? r.pkname) && !seen.has(r.kname)) {
      seen.add(r.kname);
      const up = byName.get((r.parent ?? r.pkname)!);
      if (!up) break;
      r = up;
    }
    if (r) return r.kname;
    // no lsblk: strip a partition suffix (sdb1 -> sdb, nvme0n1p2 -> nvme0n1) when that disk exists
    return sysBlock.find((n) => kname.startsWith(n) && /^p?\d+$/.test(kname.slice(n.length))) ?? kname;
  };
}

/** Mount points (and `[SWAP]`) in use per whole disk, from lsblk's tree and /proc/mounts. */
export function diskUsage(rows: readonly LsblkRow[], mounts: readonly { source: string; target: string }[], sysBlock: readonly string[]): Map<string, string[]> {
  const top = wholeDisk(rows, sysBlock);
  const out = new Map<string, string[]>();
  const add = (disk: string, where: string) => {
    const list = out.get(disk) ?? [];
    if (!list.includes(where)) list.push(where);
    out.set(disk, list);
  };
  for (const r of rows) for (const m of r.mountpoints) add(top(r.kname), m);
  const byPath = new Map(rows.map((r) => [r.path, r.kname]));
  for (const m of mounts) {
    const kname = byPath.get(m.source) ?? (/^\/dev\/[^/]+$/.test(m.source) ? m.source.slice('/dev/'.length) : null);
    if (kname) add(top(kname), m.target);
  }
  return out;
}

/**
 * Whole-disk names holding the live medium: the device mounted at /run/live/medium (a partition
 * resolves to its disk), and any disk with an ISO9660 filesystem labelled OPENVE on it or on one of
 * its partitions (covers `toram` boots where the medium is no longer mounted).
 */
export function bootMedia(rows: readonly LsblkRow[], mounts: readonly { source: string; target: string }[], sysBlock: readonly string[]): Set<string> {
  const top = wholeDisk(rows, sysBlock);
  const out = new Set<string>();
  for (const m of mounts) {
    if (MEDIUM_MOUNTS.includes(m.target) && m.source.startsWith('/dev/')) out.add(top(m.source.slice('/dev/'.length)));
  }
  for (const r of rows) {
    if (r.fstype === 'iso9660' && r.label.toUpperCase() === MEDIUM_LABEL) out.add(top(r.kname));
  }
  return out;
}

// ---------- NICs ----------

async function runIpLink(runner: CommandRunner): Promise<Map<string, IpLink>> {
  try {
    const r = await runner.run(['ip', '-j', 'link'], { reject: false, timeoutMs: 10_000 });
    if (r.exitCode === 0) return new Map(parseIpLink(r.stdout).map((l) => [l.ifname, l]));
  } catch {
    // no iproute2: sysfs has the address too
  }
  return new Map();
}

async function detectNics(runner: CommandRunner, sys: SysReader, udevRunning: Promise<boolean>, notes: string[], linkWaitMs: number): Promise<NicInfo[]> {
  const [links, names] = await Promise.all([runIpLink(runner), sys.list('/sys/class/net')]);
  const found = (await Promise.all(names.map((n) => readNic(sys, n, links.get(n))))).filter((n): n is NicWork => n !== null);
  const down = found.filter((n) => n.adminDown);
  if (down.length > 0 && linkWaitMs > 0) await bringUp(runner, sys, down, linkWaitMs, notes);
  else for (const n of down) notes.push(`${n.info.name} is administratively down: link state unknown until it is brought up (detect --bring-up)`);
  if (await udevRunning) {
    const props = await queryUdev(runner, found.map((n) => `/sys/class/net/${n.info.name}`));
    for (const n of found) n.info.udev = props.get(`/sys/class/net/${n.info.name}`) ?? n.derived;
  } else for (const n of found) n.info.udev = n.derived;
  return found.sort((a, b) => a.ifindex - b.ifindex || a.info.name.localeCompare(b.info.name)).map((n) => n.info);
}

interface NicWork {
  info: NicInfo;
  derived: Record<string, string>;
  ifindex: number;
  /** down by configuration: the kernel will not say whether a cable is plugged in */
  adminDown: boolean;
}

/** Brings the NICs up, then polls their carrier until all have link or the time is up. */
async function bringUp(runner: CommandRunner, sys: SysReader, nics: NicWork[], waitMs: number, notes: string[]): Promise<void> {
  const results = await Promise.all(nics.map((n) => runner.run(['ip', 'link', 'set', 'dev', n.info.name, 'up'], { reject: false, timeoutMs: 10_000 }).catch(() => null)));
  const pending = nics.filter((n, i) => {
    if (results[i]?.exitCode === 0) return true;
    notes.push(`${n.info.name} is administratively down and could not be brought up: link state unknown`);
    return false;
  });
  if (pending.length > 0) notes.push(`brought ${pending.map((n) => n.info.name).join(', ')} up to read the link state`);
  const deadline = performance.now() + waitMs;
  while (pending.length > 0) {
    const carriers = await Promise.all(pending.map((n) => attr(sys, `/sys/class/net/${n.info.name}/carrier`)));
    for (let i = pending.length - 1; i >= 0; i--) {
      if (carriers[i] !== '1') continue;
      const n = pending[i]!;
      const mbps = Number(await attr(sys, `/sys/class/net/${n.info.name}/speed`));
      n.info.link = true;
      n.info.speedMbps = Number.isInteger(mbps) && mbps > 0 ? mbps : null;
      pending.splice(i, 1);
    }
    if (pending.length === 0 || performance.now() >= deadline) break;
    await sleep(Math.min(100, Math.max(0, deadline - performance.now())));
  }
}

async function readNic(sys: SysReader, name: string, link: IpLink | undefined): Promise<NicWork | null> {
  const dir = `/sys/class/net/${name}`;
  // physical NICs only: lo, bridges, bonds, VLANs, veth and tun have no `device`
  if (!(await sys.exists(`${dir}/device`))) return null;
  const [address, carrier, operstate, speed, ifindex, driverLink, devpath] = await Promise.all([
    attr(sys, `${dir}/address`),
    attr(sys, `${dir}/carrier`),
    attr(sys, `${dir}/operstate`),
    attr(sys, `${dir}/speed`),
    attr(sys, `${dir}/ifindex`),
    sys.link(`${dir}/device/driver`),
    sys.real(dir),
  ]);
  const sysDevpath = devpath?.replace(/^\/sys/, '') ?? '';
  const pci = pciAddress(sysDevpath);
  const [vendorId, modelId, siblings] = pci
    ? await Promise.all([
        attr(sys, `/sys/bus/pci/devices/${pci}/vendor`),
        attr(sys, `/sys/bus/pci/devices/${pci}/device`),
        sys.list('/sys/bus/pci/devices'),
      ])
    : ['', '', [] as string[]];
  const slot = pci?.slice(0, -2);
  const multifunction = siblings.filter((s) => slot !== undefined && s.startsWith(`${slot}.`)).length > 1;

  // carrier cannot be read while the interface is administratively down
  const up = carrier === '1' || (carrier === '' && (link?.flags.includes('LOWER_UP') ?? false));
  const adminDown = carrier === '' && (operstate === 'down' || link?.flags.includes('UP') === false);
  const mbps = Number(speed);
  const info: NicInfo = {
    name,
    mac: (link?.mac || address).toLowerCase(),
    driver: driverLink ? driverLink.split('/').pop()! : '',
    link: up,
    speedMbps: up && Number.isInteger(mbps) && mbps > 0 ? mbps : null,
    udev: {},
  };
  const index = Number(ifindex) || link?.ifindex || 0;
  const derived = deriveNicUdev({ name, ifindex: index, devpath: sysDevpath, mac: info.mac, driver: info.driver, vendorId, modelId, multifunction });
  return { info, derived, ifindex: index, adminDown };
}
