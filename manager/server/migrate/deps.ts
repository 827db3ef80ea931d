// What the migration needs from the rest of the manager (built by manager.ts).
import type { CommandRunner } from '../../../lib/exec/index.ts';
import type { NodeFacts } from '../../../contracts/manager/guest.ts';
import type { ClusterService } from '../cluster/view.ts';
import type { Libvirt } from '../engines/libvirt.ts';
import type { EventHub } from '../events.ts';
import type { GuestStore } from '../guests/store.ts';
import type { StorageController } from '../storage/storage.ts';
import type { TaskInfo, TaskManager } from '../tasks.ts';

export interface MigrationDeps {
  store: GuestStore;
  libvirt: Libvirt;
  tasks: TaskManager;
  hub: EventHub;
  runner: CommandRunner;
  storage: StorageController;
  facts(): NodeFacts;
  cluster: ClusterService | undefined;
  /** this node's libvirt, as the manager reaches it */
  libvirtUri: string;
  /** this node's libvirt as the other nodes' libvirtd reach it (qemu+tls://ADDR/system) */
  migrateUri(): string;
  /** the managers' mutual-TLS port (the volume stream of an offline move) */
  peerPort: number;
  log(line: string): void;
  /** this node's containers, for the evacuation (restart migration, guests/ctMigrate.ts) */
  containers?: {
    /** ids of the running containers */
    running(): number[];
    /** starts the `vzmigrate` task moving a running container to `target` */
    migrate(id: number, target: string, user: string): TaskInfo;
  };
}
