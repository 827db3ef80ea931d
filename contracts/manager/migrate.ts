// Guest migration between the nodes of a cluster (API-NEXT.md, "Migration"): what the manager
// answers and accepts, and what the owner and the destination manager tell each other over the
// peer mutual-TLS channel. Parsed with these schemas at every boundary.
import { z } from 'zod';

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
