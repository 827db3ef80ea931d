// The guest configs a user asks for (what `POST /nodes/{node}/vms|cts` takes and what is kept in
// the state dir), and the node facts they are checked against. Pure: no engine, no file system.
import * as z from 'zod';
import type { Issue } from './issues.ts';
import { typeError, zodIssues } from './issues.ts';

/** Where disks can live. `lvmthin`: a thin volume in VG/POOL; `dir`: image files under a directory. */
export const StorageSchema = z.discriminatedUnion('type', [
  z.strictObject({ id: z.string(), type: z.literal('lvmthin'), vg: z.string(), pool: z.string() }),
  z.strictObject({ id: z.string(), type: z.literal('dir'), path: z.string() }),
]);
export type Storage = z.infer<typeof StorageSchema>;

/** What a node offers; the configs are validated against it. */
export interface NodeFacts {
  name: string;
  /** 'kvm' when /dev/kvm works, else 'qemu' (TCG) */
  accel: 'kvm' | 'qemu';
  storages: readonly Storage[];
  /** file names in the node's ISO store */
  isos: readonly string[];
  isoDir: string;
  bridges: readonly string[];
  /** the container templates the node has ('busybox' is LXC's own) */
  templates: readonly string[];
  templateDir: string;
  /** where LXC keeps containers (lxc -P) */
  lxcPath: string;
  /**
   * where a container's thin volume is mounted (BASE/ct-ID/rootfs); default lxcPath. /var/lib/lxc
   * on a node: the only place where LXC's lxc-start AppArmor profile lets a hook mount
   * (`mount -> /var/lib/lxc/{**,}`)
   */
  thinMountBase?: string;
  /** the node's cgroup layout: v2 on an installed node, v1 keys on a hybrid host */
  cgroup: 'v1' | 'v2';
  emulator: string;
}

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;
const FILE = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

export const GuestId = z
  .number({ error: typeError('must be a number') })
  .int('must be a whole number')
  .min(100, 'must be 100 or more')
  .max(999_999, 'must be at most 999999');

const name = z
  .string({ error: typeError('must be a string') })
  .regex(
    NAME,
    'must be a host name: a-z, 0-9 and -, at most 63 characters, not starting or ending with -',
  );
const macAddress = z
  .string()
  .toLowerCase()
  .regex(MAC, 'must be a MAC address like 52:54:00:12:34:56');
const vlan = z
  .number()
  .int('must be a whole number')
  .min(1, 'must be 1-4094')
  .max(4094, 'must be 1-4094');

export const DiskSchema = z.strictObject({
  /** GiB */
  size: z
    .number({ error: typeError('must be a number of GiB') })
    .int('must be a whole number of GiB')
    .min(1, 'must be at least 1 GiB')
    .max(65536, 'must be at most 65536 GiB'),
  storage: z.string().default('local-lvm'),
  /** dir storage only */
  format: z.enum(['qcow2', 'raw']).optional(),
});

export const VmNicSchema = z.strictObject({
  bridge: z.string().default('vmbr0'),
  vlan: vlan.optional(),
  mac: macAddress.optional(),
  model: z.enum(['virtio', 'e1000']).default('virtio'),
});

export const BootDevice = z.enum(['disk', 'cdrom', 'network']);

export const VmConfigSchema = z.strictObject({
  id: GuestId.optional(),
  name,
  vcpus: z
    .number({ error: typeError('must be a number') })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(128, 'must be at most 128')
    .default(1),
  /** MiB */
  memory: z
    .number({ error: typeError('must be a number of MiB') })
    .int('must be a whole number of MiB')
    .min(32, 'must be at least 32 MiB')
    .max(4 * 1024 * 1024, 'must be at most 4 TiB'),
  /** the most vCPUs the VM can have while running (hot-plug up to it); default: vcpus */
  maxVcpus: z
    .number({ error: typeError('must be a number') })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(128, 'must be at most 128')
    .optional(),
  /** MiB: the most memory the VM can have while running (balloon up to it); default: memory */
  maxMemory: z
    .number({ error: typeError('must be a number of MiB') })
    .int('must be a whole number of MiB')
    .min(32, 'must be at least 32 MiB')
    .max(4 * 1024 * 1024, 'must be at most 4 TiB')
    .optional(),
  disks: z.array(DiskSchema).max(16, 'at most 16 disks').default([]),
  nics: z
    .array(VmNicSchema)
    .max(8, 'at most 8 NICs')
    .default([{ bridge: 'vmbr0', model: 'virtio' }]),
  /** a file name in the node's ISO store */
  iso: z.string().regex(FILE, 'must be a file name in the ISO store (no directories)').optional(),
  boot: z.array(BootDevice).min(1, 'must name at least one device').optional(),
  firmware: z.enum(['bios', 'uefi']).default('bios'),
  /** defaults to what the node can do; 'kvm' is refused where /dev/kvm does not work */
  accel: z.enum(['kvm', 'qemu']).optional(),
  /** direct kernel boot (tests, appliances): absolute paths on the node */
  kernel: z
    .strictObject({
      path: z.string().startsWith('/', 'must be an absolute path'),
      initrd: z.string().startsWith('/', 'must be an absolute path').optional(),
      cmdline: z.string().max(1024).optional(),
    })
    .optional(),
  /** set by the manager at creation: stable MACs and UUID */
  uuid: z.uuid().optional(),
  onboot: z.boolean().default(false),
});
export type VmConfigInput = z.input<typeof VmConfigSchema>;
export type VmConfig = z.infer<typeof VmConfigSchema> & { id: number };

/** the most vCPUs and MiB a VM can have while it runs (what it was started with) */
export const vmMaxVcpus = (cfg: Pick<VmConfig, 'vcpus' | 'maxVcpus'>): number =>
  Math.max(cfg.vcpus, cfg.maxVcpus ?? 0);
export const vmMaxMemory = (cfg: Pick<VmConfig, 'memory' | 'maxMemory'>): number =>
  Math.max(cfg.memory, cfg.maxMemory ?? 0);

const ipv4Cidr = z
  .string()
  .regex(
    /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/,
    'must be an IPv4 address with prefix, like 192.0.2.10/24',
  );
const ipv4 = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}$/, 'must be an IPv4 address');

export const CtNicSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9]{0,14}$/, 'must be an interface name like eth0')
    .default('eth0'),
  bridge: z.string().default('vmbr0'),
  vlan: vlan.optional(),
  mac: macAddress.optional(),
  ip: z.union([z.literal('dhcp'), ipv4Cidr]).default('dhcp'),
  gateway: ipv4.optional(),
});

export const CtConfigSchema = z.strictObject({
  id: GuestId.optional(),
  hostname: name,
  /** 'busybox' or a template tarball in the node's template store */
  template: z.string().regex(FILE, 'must be a template name (no directories)'),
  unprivileged: z.boolean().default(true),
  /**
   * nesting: LXC's generated AppArmor profile with nesting (lxc.apparmor.allow_nesting), like
   * Proxmox's `features: nesting=1`. systemd 257 in a trixie container needs it (its credential
   * and sandbox mounts are denied under lxc-container-default-cgns). Default: on when unprivileged.
   */
  features: z
    .strictObject({
      nesting: z.boolean({ error: typeError('must be true or false') }).optional(),
    })
    .default({}),
  cores: z.number().int('must be a whole number').min(1, 'must be at least 1').max(128).optional(),
  /** MiB */
  memory: z
    .number({ error: typeError('must be a number of MiB') })
    .int('must be a whole number of MiB')
    .min(16, 'must be at least 16 MiB')
    .max(4 * 1024 * 1024)
    .default(512),
  swap: z
    .number()
    .int()
    .min(0)
    .max(4 * 1024 * 1024)
    .default(0),
  rootfs: z
    .strictObject({
      storage: z.string().default('local'),
      size: z
        .number()
        .int('must be a whole number of GiB')
        .min(1, 'must be at least 1 GiB')
        .max(65536)
        .default(8),
    })
    .default({ storage: 'local', size: 8 }),
  nics: z.array(CtNicSchema).max(8).default([]),
  /** public keys for root; a root password travels only in the create request, never stored */
  sshKeys: z
    .array(
      z
        .string()
        .regex(
          /^(ssh|ecdsa|sk)-[A-Za-z0-9@.-]+ [A-Za-z0-9+/=]+( .*)?$/,
          'must be an OpenSSH public key line',
        ),
    )
    .default([]),
  onboot: z.boolean().default(false),
});
export type CtConfigInput = z.input<typeof CtConfigSchema>;

/** the root password at creation: hashed by the manager before use, never stored in clear nor returned */
export const CtPasswordSchema = z
  .string({ error: typeError('must be a string') })
  .min(8, 'must be at least 8 characters')
  .max(256, 'must be at most 256 characters')
  .regex(/^[^\n\r\0]*$/, 'must be one line');

/** what POST /nodes/{node}/cts takes: the config plus the root password */
export const CtCreateSchema = CtConfigSchema.extend({ password: CtPasswordSchema.optional() });
export type CtCreateInput = z.input<typeof CtCreateSchema>;
export type CtConfig = z.infer<typeof CtConfigSchema> & { id: number };

/** whether the container runs with the nesting AppArmor profile (a config without the key: when unprivileged) */
export const ctNesting = (cfg: {
  features?: { nesting?: boolean | undefined };
  unprivileged: boolean;
}): boolean => cfg.features?.nesting ?? cfg.unprivileged;

export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: Issue[] };

function storageIssues(id: string, path: string, node: NodeFacts): Issue[] {
  return node.storages.some((s) => s.id === id)
    ? []
    : [
        {
          path,
          message: `no storage '${id}' on node ${node.name} (have: ${node.storages.map((s) => s.id).join(', ') || 'none'})`,
        },
      ];
}

function bridgeIssues(bridge: string, path: string, node: NodeFacts): Issue[] {
  return node.bridges.includes(bridge)
    ? []
    : [
        {
          path,
          message: `no bridge '${bridge}' on node ${node.name} (have: ${node.bridges.join(', ') || 'none'})`,
        },
      ];
}

/** Checks a VM request against the schema and the node, reporting every problem at once. */
export function parseVmConfig(
  input: unknown,
  node: NodeFacts,
): Parsed<z.infer<typeof VmConfigSchema>> {
  const r = VmConfigSchema.safeParse(input);
  if (!r.success) return { ok: false, issues: zodIssues(r.error) };
  const cfg = r.data;
  const issues: Issue[] = [];
  if (cfg.maxVcpus !== undefined && cfg.maxVcpus < cfg.vcpus)
    issues.push({ path: 'maxVcpus', message: `must be at least vcpus (${cfg.vcpus})` });
  if (cfg.maxMemory !== undefined && cfg.maxMemory < cfg.memory)
    issues.push({ path: 'maxMemory', message: `must be at least memory (${cfg.memory} MiB)` });
  cfg.disks.forEach((d, i) => {
    issues.push(...storageIssues(d.storage, `disks[${i}].storage`, node));
    const st = node.storages.find((s) => s.id === d.storage);
    if (st?.type === 'lvmthin' && d.format)
      issues.push({
        path: `disks[${i}].format`,
        message: 'only for dir storage (an LVM-thin volume is raw)',
      });
  });
  cfg.nics.forEach((n, i) => issues.push(...bridgeIssues(n.bridge, `nics[${i}].bridge`, node)));
  if (cfg.iso && !node.isos.includes(cfg.iso))
    issues.push({
      path: 'iso',
      message: `no ISO '${cfg.iso}' in the ISO store of node ${node.name}`,
    });
  if (cfg.accel === 'kvm' && node.accel !== 'kvm')
    issues.push({
      path: 'accel',
      message: `/dev/kvm does not work on node ${node.name}: use 'qemu' (TCG)`,
    });
  (cfg.boot ?? []).forEach((b, i) => {
    if (b === 'cdrom' && !cfg.iso)
      issues.push({ path: `boot[${i}]`, message: "'cdrom' needs an iso" });
    if (b === 'disk' && cfg.disks.length === 0)
      issues.push({ path: `boot[${i}]`, message: "'disk' needs a disk" });
    if (b === 'network' && cfg.nics.length === 0)
      issues.push({ path: `boot[${i}]`, message: "'network' needs a NIC" });
  });
  return issues.length ? { ok: false, issues } : { ok: true, value: cfg };
}

/** Checks a container request against the schema and the node, reporting every problem at once. */
export function parseCtConfig(
  input: unknown,
  node: NodeFacts,
): Parsed<z.infer<typeof CtConfigSchema>> {
  const r = CtConfigSchema.safeParse(input);
  if (!r.success) return { ok: false, issues: zodIssues(r.error) };
  const cfg = r.data;
  const issues: Issue[] = [];
  if (!node.templates.includes(cfg.template))
    issues.push({
      path: 'template',
      message: `no template '${cfg.template}' on node ${node.name} (have: ${node.templates.join(', ') || 'none'})`,
    });
  issues.push(...storageIssues(cfg.rootfs.storage, 'rootfs.storage', node));
  cfg.nics.forEach((n, i) => {
    issues.push(...bridgeIssues(n.bridge, `nics[${i}].bridge`, node));
    if (n.gateway && n.ip === 'dhcp')
      issues.push({
        path: `nics[${i}].gateway`,
        message: 'only with a static ip (DHCP brings its own)',
      });
  });
  const names = cfg.nics.map((n) => n.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i)
      issues.push({ path: `nics[${i}].name`, message: `'${n}' is used twice` });
  });
  // the default made explicit, so the kept config and the API say what the container runs with
  if (cfg.features.nesting === undefined)
    cfg.features = { ...cfg.features, nesting: ctNesting(cfg) };
  return issues.length ? { ok: false, issues } : { ok: true, value: cfg };
}
