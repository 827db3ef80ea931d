// Builds the HardwareProfile of this machine. Sources, chosen by measurement (docs/design.md §5; bench/detect.mjs):
// /proc and /sys for CPU, memory, KVM, IOMMU, firmware and NICs (microseconds each); `lsblk -J -b -o`
// for disks (transport, labels, filesystems, mounts: it probes them itself without udev); `ip -j link`
// only for the permanent MACs of bonded NICs; `udevadm info` only where udev runs.
// systeminformation is not used: its diskLayout() finds nothing without udev/smartctl, and cpu()
// (28 ms) plus its import (20-40 ms) cost more than the whole detection for facts one read of
// /proc/cpuinfo or /proc/meminfo gives. lsblk runs while sysfs is read.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandRunner } from '../../lib/exec/index.ts';
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
import { createRunner } from '../../lib/exec/index.ts';
import { attr, hostReader, type SysReader } from './sysfs.ts';
import type { DiskInfo, HardwareProfile, NicInfo } from '../../contracts/hardware/types.ts';
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

export async function detectHardware(runner: CommandRunner = createRunner('probe'), options: DetectOptions = {}): Promise<HardwareProfile> {
  const sys = options.sys ?? hostReader();
  const notes: string[] = [];
  const udevRunning = sys.exists('/run/udev/control');

  // disks first: that starts lsblk, which runs while everything else is read
  // each part keeps its own notes so their order does not depend on which command finishes first
  const diskNotes: string[] = [];
  const nicNotes: string[] = [];
  const disks = detectDisks(runner, sys, udevRunning, diskNotes);
  const nicList = detectNics(runner, sys, udevRunning, nicNotes, options.linkWaitMs ?? 0);
  const [cpuText, memText, kvm, efi, iommuGroups, dmar, ivrs, blocks, nics] = await Promise.all([
    sys.text('/proc/cpuinfo'),
    sys.text('/proc/meminfo'),
    sys.exists('/dev/kvm'),
    sys.exists('/sys/firmware/efi'),
    sys.list('/sys/kernel/iommu_groups'),
    sys.exists('/sys/firmware/acpi/tables/DMAR'),
    sys.exists('/sys/firmware/acpi/tables/IVRS'),
    disks,
    nicList,
  ]);

  const cpu = parseCpuinfo(cpuText ?? '');
  if (!cpu.virtualization) notes.push(NOTE_NO_VT);
  if (!kvm) notes.push(NOTE_NO_KVM);
  else if (!cpu.virtualization) notes.push('/dev/kvm exists but the CPU reports no vmx/svm: KVM guests will not start (use QEMU TCG)');
  if (iommuGroups.length === 0 && (dmar || ivrs))
    notes.push(`IOMMU present (ACPI ${dmar ? 'DMAR' : 'IVRS'}) but not enabled: PCI passthrough needs ${dmar ? 'intel_iommu=on' : 'amd_iommu=on'}`);
  if (!(await udevRunning)) notes.unshift(NOTE_NO_UDEV);
  notes.push(...diskNotes, ...nicNotes);

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

/**
 * The columns detection uses: half the time of `-O` (measured 32 vs 62 ms), which also stats every
 * mounted filesystem and reads zone and queue limits nobody here needs.
 */
export const LSBLK_COLUMNS = 'NAME,KNAME,PATH,TYPE,SIZE,MODEL,SERIAL,VENDOR,WWN,TRAN,ROTA,RM,RO,LOG-SEC,LABEL,FSTYPE,PTTYPE,HCTL,PKNAME,MOUNTPOINTS';

async function runLsblk(runner: CommandRunner, notes: string[]): Promise<LsblkRow[]> {
  try {
    let r = await runner.run(['lsblk', '-J', '-b', '-o', LSBLK_COLUMNS], { reject: false, timeoutMs: 15_000 });
    // util-linux before 2.37 has no MOUNTPOINTS column: ask for all of them
    if (r.exitCode !== 0 && /unknown column/i.test(r.stderr)) r = await runner.run(['lsblk', '-J', '-O', '-b'], { reject: false, timeoutMs: 15_000 });
    if (r.exitCode === 0) return parseLsblk(r.stdout);
    notes.push(`lsblk failed (exit ${r.exitCode}): disk details from sysfs only`);
  } catch (err) {
    notes.push(`lsblk unavailable (${err instanceof Error ? err.message : String(err)}): disk details from sysfs only`);
  }
  return [];
}

async function detectDisks(runner: CommandRunner, sys: SysReader, udevRunning: Promise<boolean>, notes: string[]): Promise<DiskInfo[]> {
  // lsblk runs while sysfs is read
  const lsblk = runLsblk(runner, notes);
  const [names, mountsText] = await Promise.all([sys.list('/sys/block'), sys.text('/proc/mounts')]);
  const facts = (await Promise.all(names.map((n) => readDiskSysfs(sys, n)))).filter((f): f is DiskSysfs => f !== null);
  const rows = await lsblk;
  const byName = new Map(rows.map((r) => [r.kname, r]));
  const disks = facts.map((f) => buildDisk(f, byName.get(f.name)));

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

type DiskSysfs = { name: string; devpath: string; uevent: string } & Record<(typeof DISK_ATTRS)[number][0], string> & { vpd: Uint8Array | null };

const DISK_ATTRS = [
  ['size', 'size'],
  ['ro', 'ro'],
  ['removable', 'removable'],
  ['rotational', 'queue/rotational'],
  ['lbs', 'queue/logical_block_size'],
  ['model', 'device/model'],
  ['vendor', 'device/vendor'],
  ['serial', 'serial'], // virtio-blk
  ['devSerial', 'device/serial'], // NVMe controller
  ['wwid', 'wwid'], // NVMe namespace
  ['devWwid', 'device/wwid'], // SCSI/SATA
] as const;

/** Everything sysfs says about /sys/block/NAME; null for unused loop devices (loop0-7 exist everywhere). */
async function readDiskSysfs(sys: SysReader, name: string): Promise<DiskSysfs | null> {
  const dir = `/sys/block/${name}`;
  if (/^loop\d/.test(name) && Number(await attr(sys, `${dir}/size`)) === 0) return null;
  const [values, vpd, devpath, uevent] = await Promise.all([
    Promise.all(DISK_ATTRS.map(([, file]) => attr(sys, `${dir}/${file}`))),
    sys.bytes(`${dir}/device/vpd_pg80`),
    sys.real(dir),
    sys.text(`${dir}/uevent`),
  ]);
  const out = { name, devpath: devpath?.replace(/^\/sys/, '') ?? `/devices/virtual/block/${name}`, uevent: uevent ?? '', vpd } as DiskSysfs;
  DISK_ATTRS.forEach(([key], i) => (out[key] = values[i]!));
  return out;
}

/** lsblk where it knows (udev database, probed labels), sysfs where it does not. */
function buildDisk(f: DiskSysfs, row: LsblkRow | undefined): DiskWork {
  const { name } = f;
  const kind = diskKind(name, row?.type ?? '');
  const tran = row?.tran ? transport(name, row.tran) : transportFromPath(name, f.devpath);
  const info: DiskInfo = {
    name,
    path: `/dev/${name}`,
    kind,
    sizeBytes: row?.size || Number(f.size || 0) * 512,
    logicalSectorSize: row?.logSec || Number(f.lbs) || 512,
    model: row?.model || f.model,
    serial: row?.serial || f.serial || f.devSerial || (f.vpd ? parseVpd80(f.vpd) : ''),
    wwn: normaliseWwn(row?.wwn || f.wwid || f.devWwid),
    vendor: row?.vendor || f.vendor,
    rotational: row ? row.rota : f.rotational === '1',
    removable: row ? row.rm : f.removable === '1',
    readOnly: row ? row.ro : f.ro === '1',
    transport: kind === 'loop' || kind === 'ram' || kind === 'md' || kind === 'dm' ? 'unknown' : tran,
    isBootMedium: false,
    udev: {},
  };
  const derived = deriveDiskUdev({
    name,
    devpath: f.devpath,
    uevent: parseUevent(f.uevent),
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
  const names = await sys.list('/sys/class/net');
  const raw = (await Promise.all(names.map((n) => readNicSysfs(sys, n)))).filter((n): n is NicSysfs => n !== null);
  // a bond gives its slaves its own MAC; only `ip` knows their permanent one. Elsewhere sysfs has
  // everything, and not spawning ip saves a process (the live system has no bonds).
  const links = raw.some((n) => n.enslaved) ? await runIpLink(runner) : new Map<string, IpLink>();
  const found = raw.map((n) => buildNic(n, links.get(n.name)));
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

interface NicSysfs {
  name: string;
  address: string;
  carrier: string;
  operstate: string;
  /** IFF_UP from the `flags` attribute */
  adminUp: boolean;
  /** has a master (bond, team, bridge) */
  enslaved: boolean;
  speed: string;
  ifindex: string;
  driverLink: string | null;
  devpath: string;
  vendorId: string;
  modelId: string;
  multifunction: boolean;
}

async function readNicSysfs(sys: SysReader, name: string): Promise<NicSysfs | null> {
  const dir = `/sys/class/net/${name}`;
  // physical NICs only: lo, bridges, bonds, VLANs, veth and tun have no `device`
  if (!(await sys.exists(`${dir}/device`))) return null;
  const [address, carrier, operstate, flags, master, speed, ifindex, driverLink, real] = await Promise.all([
    attr(sys, `${dir}/address`),
    attr(sys, `${dir}/carrier`), // unreadable while the interface is administratively down
    attr(sys, `${dir}/operstate`),
    attr(sys, `${dir}/flags`),
    sys.exists(`${dir}/master`),
    attr(sys, `${dir}/speed`),
    attr(sys, `${dir}/ifindex`),
    sys.link(`${dir}/device/driver`),
    sys.real(dir),
  ]);
  const devpath = real?.replace(/^\/sys/, '') ?? '';
  const pci = pciAddress(devpath);
  const [vendorId, modelId, functions] = pci
    ? await Promise.all([
        attr(sys, `/sys/bus/pci/devices/${pci}/vendor`),
        attr(sys, `/sys/bus/pci/devices/${pci}/device`),
        sys.list('/sys/bus/pci/devices'),
      ])
    : ['', '', [] as string[]];
  const slot = pci?.slice(0, -2);
  const multifunction = functions.filter((s) => slot !== undefined && s.startsWith(`${slot}.`)).length > 1;
  const adminUp = flags === '' ? operstate !== 'down' : (Number(flags) & 0x1) === 1;
  return { name, address, carrier, operstate, adminUp, enslaved: master, speed, ifindex, driverLink, devpath, vendorId, modelId, multifunction };
}

function buildNic(n: NicSysfs, link: IpLink | undefined): NicWork {
  const up = n.carrier === '1';
  const adminDown = n.carrier === '' && !n.adminUp;
  const mbps = Number(n.speed);
  const info: NicInfo = {
    name: n.name,
    mac: (link?.mac || n.address).toLowerCase(),
    driver: n.driverLink ? n.driverLink.split('/').pop()! : '',
    link: up,
    speedMbps: up && Number.isInteger(mbps) && mbps > 0 ? mbps : null,
    udev: {},
  };
  const index = Number(n.ifindex) || link?.ifindex || 0;
  const derived = deriveNicUdev({ ...n, ifindex: index, mac: info.mac, driver: info.driver });
  return { info, derived, ifindex: index, adminDown };
}
