// What the manager's API answers (the `data` of `{"data": ...}`), as zod schemas: the web bundle
// parses every answer with them, so a changed answer fails loudly in one place, not deep in a page.
// Shapes of manager/server (node.ts nodeStatus, guests/*.ts views, tasks.ts, events.ts); metrics
// and storage are defined once, in metrics.ts and storage.ts, and re-exported here under the names
// the web bundle uses.
import * as z from 'zod';
import { CtConfigSchema, VmConfigSchema } from './guest.ts';

export const NodeStatusSchema = z.object({
  node: z.string(),
  status: z.string(),
  accel: z.enum(['kvm', 'qemu']),
  kvm: z.boolean(),
  cgroup: z.string(),
  cpus: z.number(),
  memory: z.object({ total: z.number(), free: z.number() }),
  load: z.array(z.number()),
  uptime: z.number(),
  kernel: z.string(),
});
export type NodeStatus = z.infer<typeof NodeStatusSchema>;

/** what a create wizard may choose from on a node (GET /nodes/{node}/options) */
export const NodeOptionsSchema = z.object({
  accel: z.enum(['kvm', 'qemu']),
  storages: z.array(z.object({ id: z.string(), type: z.enum(['lvmthin', 'dir']) })),
  bridges: z.array(z.string()),
  isos: z.array(z.string()),
  templates: z.array(z.string()),
  /** root has the subordinate ids an unprivileged container maps to (absent: an older manager, assume so) */
  unprivileged: z.boolean().optional(),
});
export type NodeOptions = z.infer<typeof NodeOptionsSchema>;

export const VmViewSchema = z.object({
  id: z.number(),
  kind: z.literal('vm'),
  name: z.string(),
  state: z.string(),
  vcpus: z.number(),
  memory: z.number(),
  accel: z.enum(['kvm', 'qemu']),
  disks: z.number(),
});
export const CtViewSchema = z.object({
  id: z.number(),
  kind: z.literal('ct'),
  name: z.string(),
  state: z.string(),
  memory: z.number(),
  cores: z.number().nullable(),
  unprivileged: z.boolean(),
});
export const GuestViewSchema = z.discriminatedUnion('kind', [VmViewSchema, CtViewSchema]);
export type GuestView = z.infer<typeof GuestViewSchema>;
export const GuestListSchema = z.array(GuestViewSchema);

// the stored config as the API returns it (defaults applied, id set)
export const VmDetailSchema = VmViewSchema.extend({
  config: VmConfigSchema.extend({ id: z.number() }),
});
export const CtDetailSchema = CtViewSchema.extend({
  config: CtConfigSchema.extend({ id: z.number() }),
});
export type VmDetail = z.infer<typeof VmDetailSchema>;
export type CtDetail = z.infer<typeof CtDetailSchema>;

export const TaskInfoSchema = z.object({
  id: z.string(),
  type: z.string(),
  node: z.string(),
  target: z.string().nullable(),
  user: z.string(),
  status: z.enum(['running', 'ok', 'error']),
  progress: z.number(),
  started: z.string(),
  ended: z.string().nullable(),
  error: z.string().nullable(),
});
export type TaskInfo = z.infer<typeof TaskInfoSchema>;
export const TaskListSchema = z.array(TaskInfoSchema);
export const TaskDetailSchema = TaskInfoSchema.extend({ log: z.array(z.string()) });
export type TaskDetail = z.infer<typeof TaskDetailSchema>;

/** POST create answers; actions and deletes answer only `task` */
export const TaskStartedSchema = z.object({ id: z.number().optional(), task: z.string() });

export const ManagerEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('task'),
    id: z.string(),
    status: z.enum(['running', 'ok', 'error']),
    progress: z.number(),
    line: z.string().optional(),
  }),
  z.object({
    type: z.literal('guest'),
    kind: z.enum(['vm', 'ct']),
    id: z.number(),
    state: z.string(),
    at: z.string(),
  }),
  // another member's guests changed (it told this node over the managers' mutual TLS): a cluster
  // view read now gets its fresh answer
  z.object({ type: z.literal('cluster'), node: z.string(), at: z.string() }),
]);
export type ManagerEvent = z.infer<typeof ManagerEventSchema>;

export const LoginAnswerSchema = z.object({ username: z.string(), csrfToken: z.string() });
export const VncTicketSchema = z.object({ ticket: z.string(), expiresInS: z.number() });

export const ErrorAnswerSchema = z.object({
  errors: z.array(z.object({ path: z.string(), message: z.string() })),
});

export {
  GuestMetricsSchema,
  NodeMetricsSchema,
  Timeframe,
  type GuestMetrics,
  type NodeMetrics,
} from './metrics.ts';
export {
  StorageStatusSchema,
  StorageListSchema,
  StorageContentKind as StorageContent,
  StorageVolumeSchema as ContentItemSchema,
  StorageContentListSchema as ContentListSchema,
  UploadResultSchema as UploadAnswerSchema,
  type StorageStatus,
} from './storage.ts';
