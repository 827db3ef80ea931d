// openve's own record of each guest: DIR/guests/<id>.json, written atomically. Ids are unique on
// the node (100, 101, ...) across VMs and containers, like Proxmox VMIDs.
import { existsSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import type { CtConfig, VmConfig } from '../../../contracts/manager/guest.ts';
import { CtConfigSchema, GuestId, VmConfigSchema } from '../../../contracts/manager/guest.ts';
import { ContractError, parseJson } from '../../../contracts/json.ts';
import { writeJsonAtomic } from '../state.ts';
import { VersionedMap } from '../cache.ts';
import { badRequest, conflict } from '../api/errors.ts';
import type { TaskInfo } from '../tasks.ts';

export type GuestRecord = { kind: 'vm'; config: VmConfig } | { kind: 'ct'; config: CtConfig };

/** a guest file as written by put(): the config with its id */
const GuestRecordSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('vm'), config: VmConfigSchema.extend({ id: GuestId }) }),
  z.strictObject({ kind: z.literal('ct'), config: CtConfigSchema.extend({ id: GuestId }) }),
]);

export class GuestStore {
  private readonly records = new VersionedMap<number, GuestRecord>();
  /** ids handed out whose record is not written yet */
  private readonly reserved = new Set<number>();
  /** ids of guest files that could not be read: reported, left on disk, their id not handed out */
  readonly damaged = new Map<number, string>();
  constructor(
    private readonly dir: string,
    log: (line: string) => void = () => {},
  ) {
    for (const f of existsSync(dir) ? readdirSync(dir) : []) {
      if (!/^\d+\.json$/.test(f)) continue;
      const file = path.join(dir, f);
      const id = Number(f.slice(0, -5));
      try {
        const rec = parseJson(GuestRecordSchema, readFileSync(file, 'utf8'), file);
        if (rec.config.id !== id)
          throw new ContractError(
            file,
            'config.id',
            `is ${rec.config.id}, not ${id} as the file name says`,
          );
        this.records.set(id, rec);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        this.damaged.set(id, why);
        log(`guest ${id} skipped: ${why} (fix or remove the file; id ${id} stays taken)`);
      }
    }
  }

  /** the id asked for when free, else the lowest free id from 100; a 400 naming `id` when the asked id is taken */
  reserve(wanted?: number): number {
    const taken = (id: number) =>
      this.records.has(id) || this.reserved.has(id) || this.damaged.has(id);
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

  /** guests a long task (a migration) holds: other changes get a 409 until it ends */
  private readonly locks = new Map<number, string>();
  lock(id: number, what: string): boolean {
    if (this.locks.has(id)) return false;
    this.locks.set(id, what);
    return true;
  }
  unlock(id: number): void {
    this.locks.delete(id);
  }
  lockedBy(id: number): string | undefined {
    return this.locks.get(id);
  }

  /** a 409 naming the guest (`guest`: 'container 700') and the task that holds it */
  unlocked(id: number, guest: string): void {
    const by = this.locks.get(id);
    if (by)
      throw conflict('id', `${guest} is busy: its ${by} is running; try again when it has ended`);
  }

  /**
   * Starts a task that holds the guest's lock until it ends (the task body calls `release` when it
   * is done), the lock naming the task: `vzdestroy task UPID:...`. A 409 naming the guest and the
   * task when another task holds it already; then nothing is started.
   */
  holding(
    id: number,
    guest: string,
    type: string,
    start: (release: () => void) => TaskInfo,
  ): TaskInfo {
    this.unlocked(id, guest);
    this.lock(id, `${type} task`);
    let ended = false;
    const release = () => {
      ended = true;
      this.unlock(id);
    };
    try {
      const task = start(release);
      if (!ended) this.locks.set(id, `${type} task ${task.id}`);
      return task;
    } catch (err) {
      release();
      throw err;
    }
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
