// openve's own record of each guest: DIR/guests/<id>.json, written atomically. Ids are unique on
// the node (100, 101, ...) across VMs and containers, like Proxmox VMIDs.
import { existsSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { CtConfig, VmConfig } from '../../../contracts/manager/guest.ts';
import { writeJsonAtomic } from '../state.ts';
import { VersionedMap } from '../cache.ts';
import { badRequest } from '../api/errors.ts';

export type GuestRecord = { kind: 'vm'; config: VmConfig } | { kind: 'ct'; config: CtConfig };

export class GuestStore {
  private readonly records = new VersionedMap<number, GuestRecord>();
  /** ids handed out whose record is not written yet */
  private readonly reserved = new Set<number>();
  constructor(private readonly dir: string) {
    for (const f of existsSync(dir) ? readdirSync(dir) : []) {
      if (!/^\d+\.json$/.test(f)) continue;
      const rec = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as GuestRecord;
      this.records.set(rec.config.id, rec);
    }
  }

  /** the id asked for when free, else the lowest free id from 100; a 400 naming `id` when the asked id is taken */
  reserve(wanted?: number): number {
    const taken = (id: number) => this.records.has(id) || this.reserved.has(id);
    if (wanted !== undefined) {
      if (taken(wanted)) {
        throw badRequest({
          path: 'id',
          message: `${wanted} is already used by a guest on this node`,
        });
      }
      this.reserved.add(wanted);
      return wanted;
    }
    let id = 100;
    while (taken(id)) id++;
    this.reserved.add(id);
    return id;
  }

  release(id: number): void {
    this.reserved.delete(id);
  }

  put(rec: GuestRecord): void {
    writeJsonAtomic(path.join(this.dir, `${rec.config.id}.json`), rec);
    this.records.set(rec.config.id, rec);
    this.reserved.delete(rec.config.id);
  }

  /** goes up on every put/remove (list caches key on it) */
  get version(): number {
    return this.records.version;
  }

  get(id: number): GuestRecord | undefined {
    return this.records.get(id);
  }

  list(kind?: 'vm' | 'ct'): GuestRecord[] {
    return [...this.records.values()]
      .filter((r) => !kind || r.kind === kind)
      .sort((a, b) => a.config.id - b.config.id);
  }

  remove(id: number): void {
    const f = path.join(this.dir, `${id}.json`);
    if (existsSync(f)) unlinkSync(f);
    this.records.delete(id);
  }
}
