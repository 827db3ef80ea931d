// zod schema of HardwareProfile: checks `--hardware FILE` fixtures and what detect produces.
// Strict objects, like the answer file: a misspelt key in a fixture is an error, not ignored.
import * as z from 'zod';
import type { Issue } from '../../lib/errors.ts';
import type { HardwareProfile } from './types.ts';

const count = z.number({ error: 'must be a whole number >= 0' }).int({ error: 'must be a whole number >= 0' }).min(0, { error: 'must be a whole number >= 0' });
const text = z.string({ error: 'must be a string (may be empty)' });
const udev = z.record(z.string(), z.string({ error: 'udev property values must be strings' }));
const mac = z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5,19}$/, { error: 'must be a lower-case MAC address like aa:bb:cc:dd:ee:ff' });

const disk = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, { error: "must be a kernel device name like 'sda' or 'nvme0n1'" }),
  path: z.string().startsWith('/dev/', { error: "must be a device path like '/dev/sda'" }),
  kind: z.enum(['disk', 'loop', 'rom', 'ram', 'md', 'dm', 'other']),
  sizeBytes: count,
  logicalSectorSize: z.number().int().positive({ error: 'must be a positive whole number (512, 2048, 4096)' }),
  model: text,
  serial: text,
  wwn: z.string().nullable(),
  vendor: text,
  rotational: z.boolean(),
  removable: z.boolean(),
  readOnly: z.boolean(),
  transport: z.enum(['sata', 'sas', 'nvme', 'usb', 'virtio', 'scsi', 'mmc', 'ide', 'unknown']),
  isBootMedium: z.boolean(),
  mountpoints: z.array(z.string()).optional(),
  udev,
});

const nic = z.strictObject({
  name: z.string().min(1).max(15, { error: 'interface names are at most 15 characters' }),
  mac,
  driver: text,
  link: z.boolean(),
  speedMbps: z.number().int().positive().nullable(),
  udev,
});

export const hardwareProfileSchema = z
  .strictObject({
    cpu: z.strictObject({
      model: text,
      vendor: text,
      cores: count,
      threads: count,
      virtualization: z.enum(['vmx', 'svm']).nullable(),
    }),
    kvm: z.strictObject({ devicePresent: z.boolean() }),
    iommu: z.strictObject({ enabled: z.boolean(), groups: count }),
    memoryBytes: count,
    firmware: z.enum(['bios', 'uefi']),
    disks: z.array(disk),
    nics: z.array(nic),
    notes: z.array(z.string()),
  })
  .superRefine((p, ctx) => {
    unique(p.disks.map((d) => d.name), 'disks', ctx);
    unique(p.nics.map((n) => n.name), 'nics', ctx);
    p.disks.forEach((d, i) => {
      if (d.path !== `/dev/${d.name}`) ctx.addIssue({ code: 'custom', path: ['disks', i, 'path'], message: `must be /dev/${d.name} (the disk's name)` });
    });
  }) satisfies z.ZodType<HardwareProfile>;

function unique(names: string[], field: string, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (seen.has(n)) ctx.addIssue({ code: 'custom', path: [field, i, 'name'], message: `duplicate name '${n}'` });
    seen.add(n);
  });
}

/** zod path -> `disks[2].sizeBytes` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

export type ProfileCheck = { ok: true; value: HardwareProfile } | { ok: false; issues: Issue[] };

/** Validate an unknown value as a HardwareProfile; issue paths are relative to the profile. */
export function checkHardwareProfile(value: unknown): ProfileCheck {
  const r = hardwareProfileSchema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  return {
    ok: false,
    issues: r.error.issues.map((i) => {
      const absent = i.code === 'invalid_type' && valueAt(value, i.path) === undefined;
      return { path: formatPath(i.path) || '(top level)', message: absent ? `missing: ${i.message.replace(/, received undefined$/, '')}` : i.message };
    }),
  };
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}
