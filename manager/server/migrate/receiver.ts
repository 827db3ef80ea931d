// The destination side of a migration, answered on the peer mutual-TLS channel
// (/peer/v1/migrate/...): check (dry run) and prepare (the VM's volumes created at the source's
// paths, its id reserved), the volume stream of an offline move, commit (the guest recorded here,
// defined when it moved offline) and abort (whatever prepare made is removed again, and a domain
// libvirt may have left here is destroyed and undefined). Nothing is left behind on failure.
import { closeSync, ftruncateSync, openSync, rmdirSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseVmConfig, type VmConfig } from '../../../contracts/manager/guest.ts';
import { ContractError, parseJson } from '../../../contracts/json.ts';
import {
  MigrateIdSchema,
  MigratePrepareSchema,
  type MigrateCheckAnswer,
  type MigrateCommitAnswer,
  type MigratePrepare,
} from '../../../contracts/manager/migrate.ts';
import { ApiError, badRequest, conflict } from '../api/errors.ts';
import { domainName, domainXml } from '../config/domainXml.ts';
import { vmVolumePlan } from '../config/volumes.ts';
import { MIGRATE_PEER } from './transport.ts';
import { parseJobInfo, prepareProblem } from './plan.ts';
import type { MigrationDeps } from './deps.ts';

const MAX_BODY = 1 << 20;

interface Pending {
  from: string;
  config: VmConfig;
  req: MigratePrepare;
  created: boolean;
}

export class MigrationReceiver {
  private readonly pending = new Map<number, Pending>();
  constructor(private readonly d: MigrationDeps) {}

  private config(req: MigratePrepare): VmConfig {
    const parsed = parseVmConfig(req.config, this.d.facts());
    if (!parsed.ok)
      throw badRequest(
        parsed.issues.map((i) => ({ ...i, message: `on ${this.d.facts().name}: ${i.message}` })),
      );
    return { ...parsed.value, id: req.id };
  }

  async check(req: MigratePrepare): Promise<MigrateCheckAnswer> {
    const answer = (reason?: string): MigrateCheckAnswer => ({
      ok: reason === undefined,
      ...(reason ? { reason } : {}),
      libvirtUri: this.d.migrateUri(),
    });
    if (this.d.store.get(req.id) || this.pending.has(req.id))
      return answer(`already has a guest ${req.id}`);
    // libvirt itself, not the event-fed cache: a domain that just left must not block
    await this.d.libvirt.refresh().catch(() => {});
    if (this.d.libvirt.state(domainName(req.id)))
      return answer(`already has a libvirt domain ${domainName(req.id)}`);
    let cfg: VmConfig;
    try {
      cfg = this.config(req);
    } catch (err) {
      return answer((err as Error).message);
    }
    const avail = new Map((await this.d.storage.list()).map((s) => [s.id, s.avail]));
    return answer(prepareProblem(req.volumes, cfg, this.d.facts().storages, avail));
  }

  async prepare(from: string, req: MigratePrepare): Promise<MigrateCheckAnswer> {
    const ok = await this.check(req);
    if (!ok.ok)
      throw badRequest({ path: 'target', message: `${this.d.facts().name} ${ok.reason}` });
    this.d.store.reserve(req.id);
    const p: Pending = { from, config: this.config(req), req, created: false };
    this.pending.set(req.id, p);
    try {
      for (const step of vmVolumePlan(p.config, this.d.facts().storages).create) {
        this.d.log(`migration of ${req.id} from ${from}: $ ${step.argv.join(' ')}`);
        p.created = true;
        await this.d.runner.run(step.argv);
      }
    } catch (err) {
      await this.abort(req.id);
      throw err;
    }
    return ok;
  }

  /** writes an offline volume's bytes; all-zero blocks are skipped (the new volume reads zero there) */
  async receive(id: number, name: string, size: number, body: IncomingMessage): Promise<void> {
    const p = this.pending.get(id);
    const v = p?.req.volumes.find((x) => x.name === name);
    if (!p || !v || !p.req.offline)
      throw conflict('name', `no offline migration of ${id} prepared with a volume '${name}'`);
    const fd = openSync(v.path, 'r+');
    try {
      if (v.kind === 'file') ftruncateSync(fd, size);
      let pos = 0;
      for await (const chunk of body) {
        const b = chunk as Buffer;
        for (let off = 0; off < b.length; off += 65536) {
          const part = b.subarray(off, Math.min(b.length, off + 65536));
          if (part.some((x) => x !== 0)) writeSync(fd, part, 0, part.length, pos);
          pos += part.length;
        }
      }
      if (pos !== size) throw new Error(`volume ${name}: ${pos} of ${size} bytes arrived`);
    } finally {
      closeSync(fd);
    }
  }

  async commit(id: number): Promise<MigrateCommitAnswer> {
    const p = this.pending.get(id);
    if (!p) throw conflict('id', `no migration of ${id} prepared here`);
    const facts = this.d.facts();
    if (p.req.offline) await this.d.libvirt.define(domainXml(p.config, facts));
    this.d.store.put({ kind: 'vm', config: p.config });
    this.pending.delete(id);
    if (p.req.offline) return {};
    const r = await this.d.runner.run(
      ['virsh', '-q', '-c', this.d.libvirtUri, 'domjobinfo', '--completed', domainName(id)],
      { reject: false, timeoutMs: 30_000 },
    );
    const j = parseJobInfo(r.stdout);
    return {
      ...(j.downtimeMs !== undefined ? { downtimeMs: j.downtimeMs } : {}),
      ...(j.elapsedMs !== undefined ? { elapsedMs: j.elapsedMs } : {}),
    };
  }

  /** removes what prepare made (and a domain libvirt left for a guest that is not ours) */
  async abort(id: number): Promise<void> {
    const p = this.pending.get(id);
    if (!p) return;
    const dom = domainName(id);
    if (!this.d.store.get(id)) {
      await this.d.libvirt.refresh().catch(() => {});
      const st = this.d.libvirt.state(dom);
      if (st && st !== 'shut off')
        await this.d.runner.run(['virsh', '-q', '-c', this.d.libvirtUri, 'destroy', dom], {
          reject: false,
        });
      if (st)
        await this.d.runner.run(['virsh', '-q', '-c', this.d.libvirtUri, 'undefine', dom], {
          reject: false,
        });
    }
    if (p.created) {
      for (const step of vmVolumePlan(p.config, this.d.facts().storages).remove) {
        this.d.log(`migration of ${id} from ${p.from} undone: $ ${step.argv.join(' ')}`);
        await this.d.runner.run(step.argv, { reject: false });
      }
      removeGuestDirs(id, p.req.volumes);
    }
    this.pending.delete(id);
    this.d.store.release(id);
  }

  /** the peer routes; false when `url` is not one of them */
  async handle(req: IncomingMessage, res: ServerResponse, from: string): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'https://peer');
    if (!url.pathname.startsWith(`${MIGRATE_PEER}/`)) return false;
    const op = url.pathname.slice(MIGRATE_PEER.length + 1);
    let status = 200;
    let answer: unknown = null;
    try {
      if (req.method === 'PUT' && op === 'volume') {
        const q = (k: string) => url.searchParams.get(k) ?? '';
        const size = Number(q('size'));
        if (!Number.isSafeInteger(size) || size < 0)
          throw badRequest({ path: 'size', message: 'must be a byte count' });
        await this.receive(Number(q('id')), q('name'), size, req);
      } else if (req.method === 'POST') {
        const body = await readBody(req);
        if (op === 'check') answer = await this.check(parseJson(MigratePrepareSchema, body, op));
        else if (op === 'prepare')
          answer = await this.prepare(from, parseJson(MigratePrepareSchema, body, op));
        else if (op === 'commit')
          answer = await this.commit(parseJson(MigrateIdSchema, body, op).id);
        else if (op === 'abort') await this.abort(parseJson(MigrateIdSchema, body, op).id);
        else throw new ApiError(404, { path: '', message: `no migration call '${op}'` });
      } else throw new ApiError(404, { path: '', message: `no migration call '${op}'` });
    } catch (err) {
      if (err instanceof ApiError) [status, answer] = [err.status, { errors: err.issues }];
      else if (err instanceof ContractError)
        [status, answer] = [400, { errors: [{ path: err.field, message: err.message }] }];
      else {
        status = 500;
        answer = { errors: [{ path: '', message: (err as Error).message.split('\n')[0] }] };
      }
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer));
    return true;
  }
}

/**
 * The guest's own directory of a dir storage (images/<id>/, made for its volume files) once it is
 * empty: a migration undone here, or the source's copy after a move, leaves nothing behind.
 */
export function removeGuestDirs(
  id: number,
  volumes: readonly { kind: string; path: string }[],
): void {
  for (const v of volumes) {
    const dir = path.dirname(v.path);
    if (v.kind !== 'file' || path.basename(dir) !== String(id)) continue;
    try {
      rmdirSync(dir);
    } catch {
      /* not empty (something else is kept there) or already gone */
    }
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw badRequest({ path: '(body)', message: 'too large' });
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
