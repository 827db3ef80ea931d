// Deleting a guest, the same for a VM and a container: while the guest is held (a start or a
// second delete meanwhile is a 409 naming this task), remove it from its engine, run the volume
// plan's removal steps, forget its config, then tell the event hub.
import type { CommandRunner } from '../../../lib/exec/index.ts';
import type { VolumeStep } from '../config/volumes.ts';
import type { EventHub } from '../events.ts';
import type { TaskInfo, TaskManager } from '../tasks.ts';
import type { GuestStore } from './store.ts';

export interface DestroyDeps {
  store: GuestStore;
  tasks: TaskManager;
  hub: EventHub;
  runner: CommandRunner;
}

export function destroyTask(
  deps: DestroyDeps,
  guest: {
    kind: 'vm' | 'ct';
    id: number;
    /** how a 409 names it: `VM 100`, `container 200` */
    label: string;
    /** the task type, as Proxmox names it: vmdestroy, vzdestroy */
    type: string;
    /** removes the guest from its engine (undefine, lxc-destroy); null when the engine has none */
    unregister: (() => Promise<void>) | null;
    remove: readonly VolumeStep[];
  },
  user: string,
): TaskInfo {
  const { kind, id } = guest;
  return deps.store.holding(id, guest.label, guest.type, (release) =>
    deps.tasks.start(guest.type, `${kind}/${id}`, user, async (ctx) => {
      try {
        if (guest.unregister) await guest.unregister();
        for (const s of guest.remove) {
          ctx.log(`$ ${s.argv.join(' ')}`);
          await deps.runner.run(s.argv);
        }
        deps.store.remove(id);
      } finally {
        release();
      }
      deps.hub.emit({ type: 'guest', kind, id, state: 'deleted', at: new Date().toISOString() });
    }),
  );
}
