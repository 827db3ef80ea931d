// Storages of the node: usage (LVM-thin from one `lvs` JSON report, a directory from statfs), what
// they hold, and ISO / template uploads streamed to disk with their SHA-256 (never buffered whole).
import { createHash, randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CommandRunner } from '../../../lib/exec/index.ts';
import type { NodeFacts, Storage } from '../../../contracts/manager/guest.ts';
import {
  formatOf,
  uploadNameProblem,
  type StorageContentKind,
  type StorageStatus,
  type StorageVolume,
  type UploadContentKind,
  type UploadResult,
} from '../../../contracts/manager/storage.ts';
import { ApiError, badRequest, conflict, notFound } from '../api/errors.ts';
import { lvsArgv, parseLvs } from './lvm.ts';
import type { GuestRecord } from '../guests/store.ts';

export interface StorageDeps {
  runner: CommandRunner;
  facts: () => NodeFacts;
  /** the largest upload accepted, bytes */
  uploadLimit: number;
  /** the node's guests: who uses an ISO, the configured size of a container's root file system */
  guests?: () => readonly GuestRecord[];
}

/** the dir storage that holds ISO images and templates: `local`, else the first dir storage */
export function fileStorage(storages: readonly Storage[]): Storage | undefined {
  return (
    storages.find((s) => s.type === 'dir' && s.id === 'local') ??
    storages.find((s) => s.type === 'dir')
  );
}

export function contentOf(st: Storage, storages: readonly Storage[]): StorageContentKind[] {
  return fileStorage(storages)?.id === st.id
    ? ['images', 'rootdir', 'iso', 'vztmpl']
    : ['images', 'rootdir'];
}

/** a directory's usage from statfs; inactive when it is not there */
export function dirUsage(dir: string): Pick<StorageStatus, 'total' | 'used' | 'avail' | 'active'> {
  try {
    const s = statfsSync(dir);
    return {
      total: s.blocks * s.bsize,
      used: (s.blocks - s.bfree) * s.bsize,
      avail: s.bavail * s.bsize,
      active: true,
    };
  } catch {
    return { total: 0, used: 0, avail: 0, active: false };
  }
}

class TooLarge extends Error {}

const GiB = 1024 ** 3;

export class StorageController {
  constructor(private readonly deps: StorageDeps) {}

  private storage(id: string): Storage {
    const all = this.deps.facts().storages;
    const st = all.find((s) => s.id === id);
    if (!st)
      throw notFound(
        'storage',
        `no storage '${id}' on this node (have: ${all.map((s) => s.id).join(', ') || 'none'})`,
      );
    return st;
  }

  /** the directory holding `kind` files of storage `id`; a 400 naming storage when it holds none */
  private fileDir(id: string, kind: UploadContentKind): string {
    const facts = this.deps.facts();
    const st = this.storage(id);
    const home = fileStorage(facts.storages);
    if (home?.id !== st.id)
      throw badRequest({
        path: 'storage',
        message: `'${id}' does not hold ${kind} files${home ? ` (use '${home.id}')` : ''}`,
      });
    return kind === 'iso' ? facts.isoDir : facts.templateDir;
  }

  private async thin(st: Extract<Storage, { type: 'lvmthin' }>) {
    const r = await this.deps.runner.run(lvsArgv(st.vg), { reject: false, timeoutMs: 30_000 });
    if (r.exitCode !== 0) return { pool: null, volumes: [] };
    return parseLvs(r.stdout, st.pool);
  }

  async list(): Promise<StorageStatus[]> {
    const all = this.deps.facts().storages;
    return Promise.all(
      all.map(async (st): Promise<StorageStatus> => {
        const content = contentOf(st, all);
        if (st.type === 'dir') return { id: st.id, type: 'dir', content, ...dirUsage(st.path) };
        const { pool } = await this.thin(st);
        const used = pool ? Math.round((pool.size * pool.dataPercent) / 100) : 0;
        return {
          id: st.id,
          type: 'lvmthin',
          content,
          total: pool?.size ?? 0,
          used,
          avail: pool ? Math.max(0, pool.size - used) : 0,
          active: pool?.active ?? false,
          dataPercent: pool?.dataPercent ?? 0,
          metadataPercent: pool?.metadataPercent ?? 0,
        };
      }),
    );
  }

  async content(id: string, kind?: StorageContentKind): Promise<StorageVolume[]> {
    const all = this.deps.facts().storages;
    const st = this.storage(id);
    const has = contentOf(st, all);
    const want = (k: StorageContentKind) => has.includes(k) && (!kind || kind === k);
    const out: StorageVolume[] = [];
    const vol = (
      content: StorageContentKind,
      name: string,
      size: number,
      format: string,
      ctime: number,
      used?: number,
    ) =>
      out.push({
        volid: `${st.id}:${content}/${name}`,
        name,
        content,
        size,
        format,
        ctime,
        ...(used !== undefined ? { used } : {}),
      });
    if (st.type === 'lvmthin') {
      const { volumes } = await this.thin(st);
      // `vm-ID-disk-N` holds a VM's disk or, like Proxmox, a container's root file system (ids
      // are unique across both): the guest with that id says which; `used` from LVM's data percent
      const cts = new Set(
        (this.deps.guests?.() ?? []).filter((r) => r.kind === 'ct').map((r) => r.config.id),
      );
      for (const v of volumes) {
        const m = /^vm-(\d+)-disk-\d+$/.exec(v.name);
        const kind: StorageContentKind | null = m
          ? cts.has(Number(m[1]))
            ? 'rootdir'
            : 'images'
          : /^ct-\d+-rootfs$/.test(v.name)
            ? 'rootdir'
            : null;
        if (kind && want(kind)) vol(kind, v.name, v.size, 'raw', v.ctime, v.used);
      }
      return out;
    }
    const facts = this.deps.facts();
    if (want('images'))
      for (const sub of entries(path.join(st.path, 'images')).filter((e) => e.dir))
        for (const f of entries(path.join(st.path, 'images', sub.name)).filter((e) => !e.dir))
          vol('images', f.name, f.size, formatOf(f.name), f.ctime);
    if (want('rootdir')) {
      // like Proxmox: the size is the configured one, with what the files take as `used`
      const dirs = entries(path.join(st.path, 'rootfs')).filter((e) => e.dir);
      const used = await this.du(dirs.map((d) => path.join(st.path, 'rootfs', d.name)));
      const cts = (this.deps.guests?.() ?? []).filter((r) => r.kind === 'ct');
      for (const d of dirs) {
        const ct = cts.find((r) => String(r.config.id) === d.name);
        const size = ct && ct.kind === 'ct' ? ct.config.rootfs.size * GiB : 0;
        const u = used.get(path.join(st.path, 'rootfs', d.name));
        vol('rootdir', `ct-${d.name}-rootfs`, size, 'subvol', d.ctime, u);
      }
    }
    if (want('iso'))
      for (const f of entries(facts.isoDir).filter(
        (e) => !e.dir && uploadNameProblem(e.name, 'iso') === null,
      ))
        vol('iso', f.name, f.size, formatOf(f.name), f.ctime);
    if (want('vztmpl'))
      for (const f of entries(facts.templateDir).filter(
        (e) => !e.dir && uploadNameProblem(e.name, 'vztmpl') === null,
      ))
        vol('vztmpl', f.name, f.size, formatOf(f.name), f.ctime);
    return out;
  }

  /** bytes used under each directory, from one `du -sbx` for all of them (none: unknown) */
  private async du(dirs: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (!dirs.length) return out;
    const r = await this.deps.runner.run(['du', '-s', '-b', '-x', '--', ...dirs], {
      reject: false,
      timeoutMs: 60_000,
    });
    for (const [dir, bytes] of parseDu(r.stdout)) out.set(dir, bytes);
    return out;
  }

  /** an ISO image or template file of the store (404 naming it when the name is bad or missing) */
  private existingFile(storage: string, content: UploadContentKind, name: string) {
    const dir = this.fileDir(storage, content);
    const file = path.join(dir, name);
    let st;
    try {
      st = uploadNameProblem(name, content) ? null : lstatSync(file);
    } catch {
      st = null;
    }
    if (!st?.isFile()) throw notFound('name', `no ${content} '${name}' on storage '${storage}'`);
    return { dir, file, st };
  }

  /**
   * Removes an ISO image or template from the store (404 naming it when missing; 409 naming the
   * VMs whose cdrom holds an ISO). Templates are copied at container creation, so never in use.
   */
  remove(storage: string, content: UploadContentKind, name: string): void {
    const { dir, file } = this.existingFile(storage, content, name);
    if (content === 'iso') {
      const users = (this.deps.guests?.() ?? []).flatMap((r) =>
        r.kind === 'vm' && r.config.iso === name ? [`VM ${r.config.id} (${r.config.name})`] : [],
      );
      if (users.length)
        throw conflict(
          'name',
          `${name} is attached to ${users.join(', ')}: detach it first (PUT .../vms/{id}/config {"iso": null})`,
        );
    }
    rmSync(file);
    rmSync(path.join(dir, '.sha256', name), { force: true });
  }

  /**
   * Streams `body` into the ISO or template store as `name`: to a temp file first, renamed into
   * place only when complete (and its SHA-256 matches `sha256` when given); removed otherwise.
   */
  async upload(o: {
    storage: string;
    content: UploadContentKind;
    filename: string;
    sha256?: string;
    body: Readable;
    length?: number;
  }): Promise<UploadResult> {
    const dir = this.fileDir(o.storage, o.content);
    const problem = uploadNameProblem(o.filename, o.content);
    if (problem) throw badRequest({ path: 'filename', message: problem });
    const final = path.join(dir, o.filename);
    if (existsSync(final))
      throw conflict('filename', `${o.filename} is already in the ${o.content} store`);
    const limit = this.deps.uploadLimit;
    if (o.length !== undefined && o.length > limit)
      throw new ApiError(413, {
        path: '(body)',
        message: `is ${o.length} bytes: the limit is ${limit} bytes (${(limit / GiB).toFixed(1)} GiB)`,
      });
    const free = dirUsage(dir).avail;
    if (o.length !== undefined && o.length > free)
      throw new ApiError(507, {
        path: '(body)',
        message: `is ${o.length} bytes but the storage '${o.storage}' has only ${free} bytes free`,
      });

    const partial = path.join(dir, '.partial');
    mkdirSync(partial, { recursive: true, mode: 0o700 });
    const tmp = path.join(partial, `${randomBytes(8).toString('hex')}.part`);
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > limit) return done(new TooLarge());
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(o.body, meter, createWriteStream(tmp, { flags: 'wx', mode: 0o644 }));
    } catch (err) {
      rmSync(tmp, { force: true });
      if (err instanceof TooLarge)
        throw new ApiError(413, {
          path: '(body)',
          message: `is over the limit of ${limit} bytes: the partial file was removed`,
        });
      if ((err as { code?: string }).code === 'ENOSPC')
        throw new ApiError(507, {
          path: '(body)',
          message: `storage '${o.storage}' is full: the partial file was removed`,
        });
      throw badRequest({
        path: '(body)',
        message: `the upload broke off after ${size} bytes: the partial file was removed`,
      });
    }
    const sha256 = hash.digest('hex');
    if (o.length !== undefined && size !== o.length) {
      rmSync(tmp, { force: true });
      throw badRequest({
        path: '(body)',
        message: `got ${size} of ${o.length} bytes: the partial file was removed`,
      });
    }
    if (o.sha256 !== undefined && o.sha256.toLowerCase() !== sha256) {
      rmSync(tmp, { force: true });
      throw badRequest({
        path: 'sha256',
        message: `does not match: the upload's SHA-256 is ${sha256}, not ${o.sha256.toLowerCase()}; the file was not kept`,
      });
    }
    if (existsSync(final)) {
      rmSync(tmp, { force: true });
      throw conflict(
        'filename',
        `${o.filename} appeared in the ${o.content} store during the upload`,
      );
    }
    renameSync(tmp, final);
    rememberChecksum(dir, o.filename, sha256);
    return { volid: `${o.storage}:${o.content}/${o.filename}`, name: o.filename, size, sha256 };
  }

  /** a stored ISO / template to send: its path, size and SHA-256 (remembered from the upload, else computed once) */
  async download(
    storage: string,
    content: UploadContentKind,
    name: string,
  ): Promise<{ file: string; size: number; sha256: string; open(): Readable }> {
    const { dir, file, st } = this.existingFile(storage, content, name);
    const sha256 = await checksumOf(dir, name);
    return { file, size: st.size, sha256, open: () => createReadStream(file) };
  }
}

/** `du -s -b` output -> [directory, bytes] */
export function parseDu(out: string): [string, number][] {
  const rows: [string, number][] = [];
  for (const line of out.split('\n')) {
    const m = /^(\d+)\t(.+)$/.exec(line);
    if (m) rows.push([m[2] as string, Number(m[1])]);
  }
  return rows;
}

interface Entry {
  name: string;
  dir: boolean;
  size: number;
  ctime: number;
}

function entries(dir: string): Entry[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Entry[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.')) continue;
    try {
      const s = lstatSync(path.join(dir, name));
      if (!s.isFile() && !s.isDirectory()) continue;
      out.push({
        name,
        dir: s.isDirectory(),
        size: s.isFile() ? s.size : 0,
        ctime: Math.floor(s.ctimeMs / 1000),
      });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

// SHA-256 of stored files, kept in DIR/.sha256/NAME as `HEX SIZE MTIME_MS` (stale when the file changed)
function rememberChecksum(dir: string, name: string, sha256: string): void {
  const s = lstatSync(path.join(dir, name));
  mkdirSync(path.join(dir, '.sha256'), { recursive: true, mode: 0o700 });
  writeFileSync(path.join(dir, '.sha256', name), `${sha256} ${s.size} ${Math.floor(s.mtimeMs)}\n`);
}

async function checksumOf(dir: string, name: string): Promise<string> {
  const s = lstatSync(path.join(dir, name));
  try {
    const [hex, size, mtime] = readFileSync(path.join(dir, '.sha256', name), 'utf8')
      .trim()
      .split(' ');
    if (
      hex &&
      /^[0-9a-f]{64}$/.test(hex) &&
      Number(size) === s.size &&
      Number(mtime) === Math.floor(s.mtimeMs)
    )
      return hex;
  } catch {
    /* not remembered yet */
  }
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path.join(dir, name))) hash.update(chunk as Buffer);
  const hex = hash.digest('hex');
  rememberChecksum(dir, name, hex);
  return hex;
}
