// What the manager answers about storages and their content (GET /nodes/{node}/storage...,
// upload, download). The server builds these; the CLI and the web bundle parse answers with them.
import * as z from 'zod';

export const StorageContentKind = z.enum(['images', 'rootdir', 'iso', 'vztmpl']);
export type StorageContentKind = z.infer<typeof StorageContentKind>;

/** content an upload may carry */
export const UploadContentKind = z.enum(['iso', 'vztmpl'], { error: 'must be iso or vztmpl' });
export type UploadContentKind = z.infer<typeof UploadContentKind>;

const bytes = z.number().int().nonnegative();

export const StorageStatusSchema = z.object({
  id: z.string(),
  type: z.enum(['lvmthin', 'dir']),
  content: z.array(StorageContentKind),
  /** bytes */
  total: bytes,
  used: bytes,
  avail: bytes,
  /** false when the VG / pool / directory is not there */
  active: z.boolean(),
  /** LVM-thin only: the pool's data and metadata use in percent */
  dataPercent: z.number().optional(),
  metadataPercent: z.number().optional(),
});
export type StorageStatus = z.infer<typeof StorageStatusSchema>;

export const StorageVolumeSchema = z.object({
  /** `STORAGE:iso/NAME`, `STORAGE:vztmpl/NAME`, `STORAGE:images/NAME`, `STORAGE:rootdir/NAME` */
  volid: z.string(),
  name: z.string(),
  content: StorageContentKind,
  /** bytes (file size; the virtual size of a thin volume; the configured size of a directory root file system, 0 when unknown) */
  size: bytes,
  /** bytes the files of a directory root file system take (du), or a thin volume takes of its pool (LVM's data percent), when known */
  used: bytes.optional(),
  /** iso, tar.gz, tar.xz, tar.zst, tar, qcow2, raw, subvol */
  format: z.string(),
  /** unix seconds */
  ctime: z.number().int(),
});
export type StorageVolume = z.infer<typeof StorageVolumeSchema>;

export const UploadResultSchema = z.object({
  volid: z.string(),
  name: z.string(),
  size: bytes,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type UploadResult = z.infer<typeof UploadResultSchema>;

export const StorageListSchema = z.array(StorageStatusSchema);
export const StorageContentListSchema = z.array(StorageVolumeSchema);

/** the names an upload may take: a plain file name with the extension its content needs */
export const UPLOAD_EXTENSIONS: Record<UploadContentKind, readonly string[]> = {
  iso: ['.iso', '.img'],
  vztmpl: ['.tar.gz', '.tgz', '.tar.xz', '.tar.zst', '.tar'],
};

/** null when `name` is a good file name for `content`, else why not */
export function uploadNameProblem(name: string, content: UploadContentKind): string | null {
  if (name.length > 200) return 'must be at most 200 characters';
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(name))
    return 'must be a plain file name: letters, digits, . _ + -, not starting with . or - (no directories)';
  const ext = UPLOAD_EXTENSIONS[content];
  if (!ext.some((e) => name.endsWith(e) && name.length > e.length))
    return `must end in ${ext.join(', ')} for ${content}`;
  return null;
}

/** the format named by a file's extension (`tar.gz`, `iso`, `qcow2`, ...) */
export function formatOf(name: string): string {
  const m = /\.(tar\.(?:gz|xz|zst)|tgz|tar|iso|img|qcow2|raw)$/.exec(name);
  return m ? (m[1] as string) : 'unknown';
}
