// Fleet provisioning (`openve-install serve`): what crosses the network and the state file.
//   - the machine summary the live system POSTs to its answer URL (installer/locate/sysinfo.ts),
//   - the server's per-machine state (state.json, `serve --status --json`, /api/machines).
import * as z from 'zod';

/** The live system's POST to the answer URL; extra fields are tolerated (older/newer installers). */
export const systemInfoSchema = z.looseObject({
  product: z.looseObject({ name: z.string(), version: z.string() }).optional(),
  network_interfaces: z
    .array(z.looseObject({ link: z.string().max(64), mac: z.string().max(64) }))
    .max(256)
    .default([]),
  dmi: z.record(z.string(), z.record(z.string(), z.string().max(512))).optional(),
  cpu: z
    .looseObject({
      model: z.string().max(256),
      vendor: z.string().max(64),
      cores: z.number(),
      threads: z.number(),
    })
    .optional(),
  memory_bytes: z.number().optional(),
  firmware: z.string().max(32).optional(),
  disks: z
    .array(
      z.looseObject({
        name: z.string().max(64),
        size_bytes: z.number(),
        model: z.string().max(256),
        serial: z.string().max(256),
      }),
    )
    .max(1024)
    .optional(),
});
export type SystemInfo = z.infer<typeof systemInfoSchema>;

/** The installed node's first boot: the post-installation webhook (provision/firstboot/webhook.ts)
 * that the served answer points at the server, the machine token as its auth-token. */
export const bootedReportSchema = z.looseObject({
  token: z.string().max(128),
  fqdn: z.string().max(256).optional(),
  machine_id: z.string().max(64).nullable().optional(),
  kernel_version: z.looseObject({ release: z.string().max(256) }).optional(),
  network_interfaces: z
    .array(z.looseObject({ name: z.string().max(64), addresses: z.array(z.string().max(64)) }))
    .max(256)
    .optional(),
});
export type BootedReport = z.infer<typeof bootedReportSchema>;

export const MACHINE_PHASES = [
  'discovered',
  'booting',
  'installer',
  'installing',
  'finished',
  'failed',
  /** the installed node's first boot reported in (its post-installation webhook) */
  'booted',
] as const;
export type MachinePhase = (typeof MACHINE_PHASES)[number];

export const machineFactsSchema = z.object({
  mac: z.string(),
  macs: z.array(z.string()),
  serial: z.string().optional(),
  uuid: z.string().optional(),
  manufacturer: z.string().optional(),
  product: z.string().optional(),
  cpuVendor: z.string().optional(),
  cpuModel: z.string().optional(),
  cores: z.number().optional(),
  memoryBytes: z.number().optional(),
  firmware: z.string().optional(),
  disks: z
    .array(z.object({ name: z.string(), sizeBytes: z.number(), model: z.string() }))
    .optional(),
});
export type MachineFacts = z.infer<typeof machineFactsSchema>;

export const machineStateSchema = z.object({
  mac: z.string(),
  phase: z.enum(MACHINE_PHASES),
  facts: machineFactsSchema,
  /** the answer file served (or that would be), when one matches */
  answer: z.string().optional(),
  hostname: z.string().optional(),
  ip: z.string().optional(),
  step: z.string().optional(),
  ratio: z.number().optional(),
  text: z.string().optional(),
  /** why it is not installing, or why it failed */
  reason: z.string().optional(),
  log: z.array(z.string()).optional(),
  events: z.number(),
  /** epoch ms of each phase's first entry (the install's figures) */
  times: z.partialRecord(z.enum(MACHINE_PHASES), z.number()),
  seconds: z.number().optional(),
  /** what the installed node said at its first boot */
  booted: z
    .object({
      fqdn: z.string().optional(),
      kernel: z.string().optional(),
      addresses: z.array(z.string()),
    })
    .optional(),
  updated: z.number(),
});
export type MachineState = z.infer<typeof machineStateSchema>;

export const fleetStateSchema = z.object({
  server: z.object({
    pid: z.number(),
    started: z.number(),
    http: z.string(),
    https: z.string(),
    fingerprint: z.string(),
  }),
  machines: z.array(machineStateSchema),
});
export type FleetState = z.infer<typeof fleetStateSchema>;
