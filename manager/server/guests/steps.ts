// A creation as one list of steps with their undos: the steps run in order; when one fails, what
// the done steps made is undone in reverse. A container's creation is one such list whether its
// root file system is a directory or a thin volume (which adds its mount point, the mount and the
// unmount): see CtController.create.

export interface Step {
  /** for the log and the error */
  name: string;
  run(): Promise<void>;
  /** undoes what run made; runs only when run succeeded, unless `undoAfterFailure` */
  undo?: () => Promise<void>;
  /** run's own failure may leave part of it made (a volume: lvcreate done, mkfs failed) */
  undoAfterFailure?: boolean;
  /**
   * a mount the later steps work in: on a failure it is unmounted before anything else is undone,
   * and if it will not go away nothing is undone (removing a container or its directories would
   * reach into the mounted volume). `unmount` answers null when it is gone, else the line to log.
   */
  mount?: { unmount(): Promise<string | null> };
  /** this step ends the mount made by the named step (its unmount is no longer an undo) */
  ends?: string;
}

/** runs the steps; on a failure undoes (see Step) and rethrows the failure */
export async function runSteps(
  steps: readonly Step[],
  opts: { log(line: string): void; beforeUndo?: () => void },
): Promise<void> {
  const undos: Step[] = [];
  const mounts = new Map<string, NonNullable<Step['mount']>>();
  for (const step of steps) {
    try {
      await step.run();
    } catch (err) {
      if (step.undoAfterFailure) undos.push(step);
      opts.beforeUndo?.();
      await undo(undos, mounts, opts.log);
      throw err;
    }
    if (step.undo) undos.push(step);
    if (step.mount) mounts.set(step.name, step.mount);
    if (step.ends) mounts.delete(step.ends);
  }
}

async function undo(
  done: readonly Step[],
  mounts: ReadonlyMap<string, NonNullable<Step['mount']>>,
  log: (line: string) => void,
): Promise<void> {
  for (const m of [...mounts.values()].reverse()) {
    const why = await m.unmount();
    if (why !== null) {
      log(why);
      return;
    }
  }
  for (const step of [...done].reverse()) await step.undo?.().catch(() => {});
}
