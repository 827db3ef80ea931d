// Wires the manager together: state dir, engines, event hub, tasks, controllers, HTTPS API.
import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import { createRunner } from '../../lib/exec/index.ts';
import type { Runner } from '../../lib/exec/index.ts';
import { buildApp } from './api/app.ts';
import type { Services } from './api/services.ts';
import { AuditLog } from './audit.ts';
import { unixPasswordCheck, type PasswordCheck } from './auth/password.ts';
import { LoginLimiter, SessionStore, ticketKey } from './auth/sessions.ts';
import { TokenStore } from './auth/tokens.ts';
import { Libvirt } from './engines/libvirt.ts';
import { Lxc } from './engines/lxc.ts';
import { EventHub } from './events.ts';
import { CtController } from './guests/cts.ts';
import { GuestStore } from './guests/store.ts';
import { VmController } from './guests/vms.ts';
import { nodeFacts } from './node.ts';
import { memoFor } from './cache.ts';
import { TicketStore } from './consoles.ts';
import { ensureStateDirs, statePaths } from './state.ts';
import { TaskManager } from './tasks.ts';
import { ensureCertificate } from './tls.ts';
import { StorageController } from './storage/storage.ts';
import { Metrics } from './metrics/metrics.ts';
import { ClusterService } from './cluster/view.ts';
import { localResources, startClusterPeer } from './cluster/peerApi.ts';
import { PEER_PORT } from './cluster/peer.ts';
import { CtMigration } from './guests/ctMigrate.ts';
import { queryQuorum, type QuorumStatus } from '../../provision/index.ts';
import { MigrationService } from './migrate/service.ts';
import { MigrationReceiver } from './migrate/receiver.ts';
import type { MigrationDeps } from './migrate/deps.ts';
import { syncLibvirtPki } from './migrate/libvirtTls.ts';

export const VERSION = '0.1.0';

export interface ManagerOptions {
  dev: boolean;
  stateDir: string;
  host: string;
  port: number;
  libvirtUri: string;
  log(line: string): void;
  runner?: Runner;
  checkPassword?: PasswordCheck;
  /** local users who may log in with their Unix password (default: root only) */
  allowedUsers?: readonly string[];
  /** the largest ISO / template upload, bytes (default 64 GiB) */
  uploadLimit?: number;
  /** the usage sampler's period (default 10 s) */
  metricsIntervalMs?: number;
  /** false: no event children, no initial engine read (API tests) */
  engines?: boolean;
  /** where this node's cluster files are (/ on a node: /etc/openve/cluster.json ...) */
  clusterRoot?: string;
  /** the managers' mutual-TLS port (default 8008) */
  peerPort?: number;
  /** this node's libvirt as the other nodes' libvirtd reach it for a migration (default
   * qemu+tls://<this node's cluster address>/system) */
  migrateUri?: string;
  /** keep the cluster CA and this node's certificate installed for libvirt and QEMU under this
   * pki root (/etc/pki on a node), for qemu+tls:// migrations; default: not touched */
  libvirtPki?: string;
  /** corosync's quorum (default: corosync-quorumtool through the runner) */
  quorum?: () => Promise<QuorumStatus>;
}

export interface RunningManager {
  app: FastifyInstance;
  url: string;
  rootToken: string;
  certFile: string;
  services: Services;
  close(): Promise<void>;
}

export async function startManager(o: ManagerOptions): Promise<RunningManager> {
  const paths = statePaths(o.stateDir);
  ensureStateDirs(paths);
  const runner = o.runner ?? createRunner('real', { timeoutMs: 10 * 60_000 });
  // eslint-disable-next-line prefer-const -- the cluster view reads the services made below
  let services: Services;
  const cluster = new ClusterService({
    clusterRoot: o.clusterRoot ?? '/',
    peerPort: o.peerPort ?? PEER_PORT,
    stateDir: paths.root,
    local: () => localResources(services),
    log: o.log,
    quorum: o.quorum ?? (() => queryQuorum(runner)),
  });
  // node facts are cheap reads of the machine, but not free at 500 requests/s: at most once a
  // second. In a cluster the node is named as in the cluster.
  const facts = memoFor(1000, () => {
    const f = nodeFacts({ dev: o.dev, paths });
    const name = cluster.selfName();
    return name ? { ...f, name } : f;
  });
  const hub = new EventHub();
  // the cluster view's local part is read again after a change of a guest here
  hub.subscribe((e) => {
    if (e.type === 'guest' || (e.type === 'task' && e.status !== 'running')) cluster.localChanged();
  });
  const at = () => new Date().toISOString();
  const libvirt = new Libvirt(runner, o.libvirtUri, paths.tmp, (dom, st) => {
    const m = /^vm-(\d+)$/.exec(dom);
    if (m)
      hub.emit({ type: 'guest', kind: 'vm', id: Number(m[1]), state: st ?? 'missing', at: at() });
  });
  const lxc = new Lxc(runner, paths.lxc, (name, st) => {
    const m = /^ct-(\d+)$/.exec(name);
    if (m)
      hub.emit({
        type: 'guest',
        kind: 'ct',
        id: Number(m[1]),
        state: st ? st.toLowerCase() : 'missing',
        at: at(),
      });
  });
  const store = new GuestStore(paths.guests, o.log);
  const tasks = new TaskManager(paths.tasks, facts().name, hub);
  const metrics = new Metrics({
    dir: paths.metrics,
    runner,
    libvirtUri: o.libvirtUri,
    cgroup: facts().cgroup,
    log: o.log,
    guests: () =>
      store.list().map((r) =>
        r.kind === 'vm'
          ? {
              kind: 'vm' as const,
              id: r.config.id,
              memory: r.config.memory,
              cpus: r.config.vcpus,
              running: libvirt.state(`vm-${r.config.id}`) === 'running',
            }
          : {
              kind: 'ct' as const,
              id: r.config.id,
              memory: r.config.memory,
              cpus: r.config.cores ?? os.cpus().length,
              running: lxc.state(`ct-${r.config.id}`) === 'RUNNING',
            },
      ),
  });
  const tokens = new TokenStore(paths.tokens);
  const rootToken = tokens.ensureRootToken(paths.rootToken);
  services = {
    version: VERSION,
    facts,
    vms: new VmController({ store, libvirt, tasks, hub, runner, facts }),
    cts: new CtController({ store, lxc, tasks, hub, runner, facts, tmpDir: paths.tmp, log: o.log }),
    tasks,
    metrics,
    storage: new StorageController({
      runner,
      facts,
      uploadLimit: o.uploadLimit ?? 64 * 1024 ** 3,
      guests: () => store.list(),
    }),
    hub,
    tokens,
    tickets: new TicketStore(),
    sessions: new SessionStore(ticketKey(paths.ticketKey), paths.revokedTickets),
    limiter: new LoginLimiter(),
    audit: new AuditLog(paths.audit),
    checkPassword: o.checkPassword ?? unixPasswordCheck(runner),
    allowedUsers: o.allowedUsers ?? ['root'],
    cluster,
    ctMigrate: new CtMigration({
      store,
      lxc,
      runner,
      facts,
      tasks,
      hub,
      tmpDir: paths.tmp,
      cluster,
    }),
    log: o.log,
  };
  const migration: MigrationDeps = {
    store,
    libvirt,
    tasks,
    hub,
    runner,
    storage: services.storage,
    facts,
    cluster,
    libvirtUri: o.libvirtUri,
    migrateUri: () => {
      if (o.migrateUri) return o.migrateUri;
      const m = cluster.membership.get();
      const addr = m?.nodes.find((n) => n.name === m.self)?.address ?? '127.0.0.1';
      return `qemu+tls://${addr.includes(':') ? `[${addr}]` : addr}/system`;
    },
    peerPort: o.peerPort ?? PEER_PORT,
    containers: {
      running: () =>
        store
          .list('ct')
          .map((r) => r.config.id)
          .filter((id) => lxc.state(`ct-${id}`) === 'RUNNING'),
      migrate: (id, target, user) =>
        services.ctMigrate!.migrate(id, { target, restart: true }, user).task,
    },
    log: o.log,
  };
  const tlsMaterial = cluster.membership.get()?.tls;
  if (o.libvirtPki && tlsMaterial) {
    const written = syncLibvirtPki(tlsMaterial, o.libvirtPki);
    if (written.length)
      o.log(
        `cluster certificates installed for libvirt/QEMU under ${o.libvirtPki} (${written.join(', ')}): restart libvirtd to use them`,
      );
  }
  services.migrate = new MigrationService(migration);
  services.migrateReceiver = new MigrationReceiver(migration);
  if (o.engines !== false) {
    await Promise.all([
      libvirt.refresh().catch((e: Error) => o.log(`libvirt: ${e.message.split('\n')[0]}`)),
      lxc.refresh().catch((e: Error) => o.log(`lxc: ${e.message.split('\n')[0]}`)),
    ]);
    libvirt.watch(o.log);
    lxc.watch(o.log);
    metrics.start(o.metricsIntervalMs);
  }
  const tls = await ensureCertificate(runner, paths.tls, os.hostname());
  const { app } = await buildApp(services, { https: { key: tls.key, cert: tls.cert } });
  await app.listen({ host: o.host, port: o.port });
  const peer = await startClusterPeer(services, app, rootToken, {
    host: o.host,
    port: o.peerPort ?? PEER_PORT,
  });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  const hostPart = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    app,
    url: `https://${hostPart}:${port}`,
    rootToken,
    certFile: tls.certFile,
    services,
    async close() {
      libvirt.stop();
      lxc.stop();
      metrics.stop();
      await peer?.close();
      cluster.close();
      await app.close();
    },
  };
}
