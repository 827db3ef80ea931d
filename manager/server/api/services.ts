// What the API layer needs from the rest of the manager (built by manager.ts, faked in tests).
import type { NodeFacts } from '../../../contracts/manager/guest.ts';
import type { PasswordCheck } from '../auth/password.ts';
import type { LoginLimiter, SessionStore } from '../auth/sessions.ts';
import type { TokenStore } from '../auth/tokens.ts';
import type { TicketStore } from '../consoles.ts';
import type { AuditLog } from '../audit.ts';
import type { EventHub } from '../events.ts';
import type { TaskManager } from '../tasks.ts';
import type { CtController } from '../guests/cts.ts';
import type { VmController } from '../guests/vms.ts';
import type { StorageController } from '../storage/storage.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { ClusterService } from '../cluster/view.ts';
import type { CtMigration } from '../guests/ctMigrate.ts';
import type { MigrationService } from '../migrate/service.ts';
import type { MigrationReceiver } from '../migrate/receiver.ts';

export interface Services {
  version: string;
  facts(): NodeFacts;
  vms: VmController;
  cts: CtController;
  tasks: TaskManager;
  storage: StorageController;
  metrics: Metrics;
  hub: EventHub;
  tokens: TokenStore;
  /** one-time console tickets (VNC) */
  tickets: TicketStore;
  sessions: SessionStore;
  limiter: LoginLimiter;
  audit: AuditLog;
  checkPassword: PasswordCheck;
  /** local users allowed to log in */
  allowedUsers: readonly string[];
  /** container migration between members (undefined in API tests without one) */
  ctMigrate?: CtMigration;
  /** the cluster view and forwarding (undefined in API tests without one) */
  cluster?: ClusterService;
  /** VM migration between members: this node as source, and as destination (peer calls) */
  migrate?: MigrationService;
  migrateReceiver?: MigrationReceiver;
  /** the manager's own log (stderr / journal) */
  log(line: string): void;
}
