// Guest migration between the nodes of a cluster (API-NEXT.md, "Migration"): what the manager
// answers and accepts, and what the owner and the destination manager tell each other over the
// peer mutual-TLS channel. Parsed with these schemas at every boundary.
import * as z from 'zod';

const bytes = z.number().int().nonnegative();

/** GET /api/v1/nodes/{node}/vms/{id}/migrate: may the VM move, and where to. */
export const MigratePreconditionsSchema = z.object({
  running: z.boolean(),
  /** disks on this node's own storage (copied with the VM) */
  localDisks: z.array(
    z.object({
      /** e.g. "virtio0" / "scsi0" */
      disk: z.string(),
      /** e.g. "local-lvm:vm-100-disk-0" */
      volume: z.string(),
      size: bytes,
    }),
  ),
  targets: z.array(
    z.object({
      node: z.string(),
      online: z.boolean(),
      allowed: z.boolean(),
      /** why not allowed */
      reason: z.string().optional(),
    }),
  ),
});
export type MigratePreconditions = z.infer<typeof MigratePreconditionsSchema>;

/** POST /api/v1/nodes/{node}/vms/{id}/migrate */
export const MigrateRequestSchema = z.object({
  target: z.string().min(1, 'must name a node').max(63),
  /** default: true when the VM runs; a stopped VM moves offline */
  online: z.boolean().optional(),
});
export type MigrateRequest = z.infer<typeof MigrateRequestSchema>;

/** POST /api/v1/nodes/{node}/cts/{id}/migrate */
export const CtMigrateRequestSchema = z.object({
  target: z.string().min(1, 'must name a node').max(63),
  /** a running container needs restart: true (shut down, move, start on the target) */
  restart: z.boolean().optional(),
});
export type CtMigrateRequest = z.infer<typeof CtMigrateRequestSchema>;

/** POST /api/v1/nodes/{node}/evacuate */
export const EvacuateRequestSchema = z.object({
  maxWorkers: z.union([z.literal(1), z.literal(2)]).optional(),
});
export type EvacuateRequest = z.infer<typeof EvacuateRequestSchema>;

/** Task type strings, as in Proxmox. */
export const MIGRATE_TASK_TYPES = {
  vm: 'qmigrate',
  ct: 'vzmigrate',
  evacuate: 'migrateall',
} as const;

// --- between the managers (peer mutual-TLS channel, /peer/v1/migrate/...) ---

/** a volume the destination creates at the same path as on the source */
export const MigrateVolumeSchema = z.strictObject({
  name: z.string().regex(/^(vm|ct)-\d+-[a-z0-9-]+$/, 'must be a guest volume name'),
  storage: z.string().min(1),
  path: z.string().startsWith('/'),
  format: z.enum(['raw', 'qcow2', 'dir']),
  kind: z.enum(['block', 'file', 'directory']),
  size: bytes,
});

/** check (dry run) and prepare: the guest's config as the source has it, and its volumes */
export const MigratePrepareSchema = z.strictObject({
  id: z.number().int().min(100),
  /** the VM config (validated again by the destination against its own node) */
  config: z.record(z.string(), z.unknown()),
  volumes: z.array(MigrateVolumeSchema),
  /** offline: the volumes' content follows over this channel */
  offline: z.boolean(),
});
export type MigratePrepare = z.infer<typeof MigratePrepareSchema>;

export const MigrateCheckAnswerSchema = z.strictObject({
  ok: z.boolean(),
  reason: z.string().optional(),
  /** the destination libvirt as the source's libvirtd reaches it (qemu+tls://ADDR/system) */
  libvirtUri: z.string(),
});
export type MigrateCheckAnswer = z.infer<typeof MigrateCheckAnswerSchema>;

export const MigrateIdSchema = z.strictObject({ id: z.number().int().min(100) });

/** commit: the destination records the guest (and defines it when it moved offline) */
export const MigrateCommitAnswerSchema = z.strictObject({
  /** from the destination's `domjobinfo --completed` (live migration only) */
  downtimeMs: z.number().optional(),
  elapsedMs: z.number().optional(),
});
export type MigrateCommitAnswer = z.infer<typeof MigrateCommitAnswerSchema>;
