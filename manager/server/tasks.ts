// Tasks: every long action gets an id at once; its status, progress and log are kept in memory
// for the API and persisted under the state dir (<id>.json + <id>.log) so they survive restarts.
import { appendFileSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CommandError } from '../../lib/exec/index.ts';
import { UserError } from '../../lib/errors.ts';
import { redact } from '../../lib/exec/index.ts';
import type { EventHub } from './events.ts';
import { writeJsonAtomic } from './state.ts';

export type TaskStatus = 'running' | 'ok' | 'error';

export interface TaskInfo {
  id: string;
  type: string;
  node: string;
  /** e.g. `vm/100` */
  target: string | null;
  user: string;
  status: TaskStatus;
  progress: number;
  started: string;
  ended: string | null;
  error: string | null;
}

export interface TaskContext {
  log(line: string): void;
  progress(fraction: number): void;
  /** aborted once someone stops the task (DELETE /api/v1/tasks/{id}) */
  readonly signal: AbortSignal;
  /**
   * How the task stops at this point of its work: `how` answers undefined when it will stop
   * (the signal is then aborted and the task's work rolls back and fails), or why it cannot
   * now (a 409). No `how` (the default, or set to undefined again): the task cannot be stopped.
   */
  stoppable(how: (() => string | undefined) | undefined): void;
}

/** DELETE /tasks/{id}: accepted (the task stops), refused with the reason, or no such task */
export type StopAnswer = { ok: true } | { ok: false; reason: string } | undefined;

const TASK_ID = /^[A-Za-z0-9:._-]{1,120}$/;

export class TaskManager {
  private readonly tasks = new Map<string, TaskInfo>();
  /** running tasks: how each stops now (undefined: it cannot) and its abort controller */
  private readonly stoppers = new Map<
    string,
    { how: (() => string | undefined) | undefined; ctl: AbortController }
  >();
  constructor(
    private readonly dir: string,
    private readonly node: string,
    private readonly hub: EventHub,
    private readonly secrets: () => readonly string[] = () => [],
  ) {
    for (const f of existsSync(dir) ? readdirSync(dir) : []) {
      if (!f.endsWith('.json')) continue;
      try {
        const t = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as TaskInfo;
        // a task that was running when the manager stopped did not finish
        if (t.status === 'running')
          Object.assign(t, {
            status: 'error',
            error: 'the manager stopped while this task ran',
            ended: t.started,
          });
        this.tasks.set(t.id, t);
      } catch {
        /* a damaged task file is skipped, the others still load */
      }
    }
  }

  /** Starts `work` in the background and returns its task at once. */
  start(
    type: string,
    target: string | null,
    user: string,
    work: (ctx: TaskContext) => Promise<void>,
  ): TaskInfo {
    const now = new Date();
    const id = `UPID:${this.node}:${now.getTime().toString(16).toUpperCase()}:${randomBytes(3).toString('hex')}:${type}`;
    const task: TaskInfo = {
      id,
      type,
      node: this.node,
      target,
      user,
      status: 'running',
      progress: 0,
      started: now.toISOString(),
      ended: null,
      error: null,
    };
    this.tasks.set(id, task);
    this.persist(task);
    const stopper: { how: (() => string | undefined) | undefined; ctl: AbortController } = {
      how: undefined,
      ctl: new AbortController(),
    };
    this.stoppers.set(id, stopper);
    const ctx: TaskContext = {
      signal: stopper.ctl.signal,
      stoppable: (how) => {
        stopper.how = how;
      },
      log: (line) => this.append(id, line),
      progress: (fraction) => {
        task.progress = Math.max(0, Math.min(1, fraction));
        this.hub.emit({ type: 'task', id, status: task.status, progress: task.progress });
      },
    };
    ctx.log(`task ${type}${target ? ` ${target}` : ''} started by ${user}`);
    void (async () => {
      try {
        await work(ctx);
        task.status = 'ok';
        task.progress = 1;
      } catch (err) {
        task.status = 'error';
        task.error = describe(err);
        ctx.log(`error: ${task.error}`);
        if (err instanceof CommandError) {
          const tail = err.tail(10);
          if (tail) ctx.log(tail);
        }
      }
      this.stoppers.delete(id);
      task.ended = new Date().toISOString();
      ctx.log(`task ${task.status === 'ok' ? 'OK' : 'failed'}`);
      this.persist(task);
      this.hub.emit({ type: 'task', id, status: task.status, progress: task.progress });
    })();
    return { ...task };
  }

  /**
   * Stops a running task of this node: it must say it can stop now (see TaskContext.stoppable);
   * its work then rolls back and the task ends in error ("stopped by USER").
   */
  stop(id: string, user: string): StopAnswer {
    const t = this.tasks.get(id);
    if (!t) return undefined;
    const s = this.stoppers.get(id);
    if (t.status !== 'running' || !s)
      return { ok: false, reason: `task ${id} has already ended (${t.status})` };
    if (s.ctl.signal.aborted) return { ok: true };
    if (!s.how) return { ok: false, reason: `a ${t.type} task cannot be stopped` };
    const why = s.how();
    if (why !== undefined) return { ok: false, reason: why };
    this.append(id, `stop requested by ${user}`);
    s.ctl.abort(new Error(`stopped by ${user}`));
    return { ok: true };
  }

  private append(id: string, line: string): void {
    const clean = redact(line, this.secrets());
    appendFileSync(this.logFile(id), `${clean}\n`, { mode: 0o600 });
    const t = this.tasks.get(id);
    if (t) this.hub.emit({ type: 'task', id, status: t.status, progress: t.progress, line: clean });
  }

  get(id: string): TaskInfo | undefined {
    const t = this.tasks.get(id);
    return t ? { ...t } : undefined;
  }

  list(limit = 50): TaskInfo[] {
    return [...this.tasks.values()]
      .sort((a, b) => b.started.localeCompare(a.started))
      .slice(0, limit)
      .map((t) => ({ ...t }));
  }

  log(id: string): string[] {
    if (!TASK_ID.test(id) || !this.tasks.has(id)) return [];
    const f = this.logFile(id);
    return existsSync(f) ? readFileSync(f, 'utf8').split('\n').slice(0, -1) : [];
  }

  /** resolves when the task has ended */
  async wait(id: string, timeoutMs = 600_000): Promise<TaskInfo | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const t = this.get(id);
      if (!t || t.status !== 'running' || Date.now() > deadline) return t;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private file(id: string): string {
    return path.join(this.dir, `${id.replace(/:/g, '_')}.json`);
  }
  private logFile(id: string): string {
    return path.join(this.dir, `${id.replace(/:/g, '_')}.log`);
  }
  private persist(t: TaskInfo): void {
    writeJsonAtomic(this.file(t.id), t);
  }
}

function describe(err: unknown): string {
  if (err instanceof UserError) return err.message;
  if (err instanceof CommandError) {
    const cmd = err.result.argv.join(' ');
    return `${cmd.length > 120 ? `${cmd.slice(0, 117)}...` : cmd} failed (exit ${err.result.exitCode})`;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
