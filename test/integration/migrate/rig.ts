// Two openve nodes on this machine for migration tests and bench/migrate.mjs (MANAGER.md §5 "Two
// libvirt nodes on one host"): the cluster lab's corosync namespaces (pveca -c / -a: the cluster
// CA and node certificates), and per node a private mount namespace with its own /run/libvirt,
// /var/lib/libvirt, /etc/libvirt, ... bind-mounted from the node's dir, its own virtlogd + libvirtd
// (listen_tcp on the node's address) and its own openve-manager (started last, in the same
// namespaces, so the disk paths it creates are the ones its QEMU opens). The dir storage `local` is
// /var/lib/openve-mig on both nodes (a different dir behind it): the same path, as live migration
// with --copy-storage-all needs. A veth from the host into the lab's bridge gives the test process
// (and chromium) the managers' API and web interface (ADDR.254); each node has its own /etc/shadow
// (bound in its mount namespace) so root logs in to the web interface with PASSWORD.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import { execa } from 'execa';
import { ClusterLab, until, type LabNode } from '../clusterLab.ts';
import { readMembership } from '../../../provision/index.ts';
import { syncLibvirtPki } from '../../../manager/server/migrate/libvirtTls.ts';

export const IMAGES = '/var/lib/openve-mig';
/** root's password on both nodes (their own /etc/shadow, bound in their mount namespaces) */
export const PASSWORD = 'mig-web-Pa55';
const SBIN = `/usr/local/sbin:/usr/sbin:/sbin:${process.env.PATH ?? '/usr/bin:/bin'}`;

// $0 = the node's dir, $1 = its host name, then the manager's argv
const NODE_SH = `D=$0; hostname "$1"; shift
for p in run:/run/libvirt lib:/var/lib/libvirt etc:/etc/libvirt log:/var/log/libvirt cache:/var/cache/libvirt pki:/etc/pki images:${IMAGES}; do
  mount --bind "$D/\${p%%:*}" "\${p#*:}" || exit 1
done
mount --bind "$D/shadow" /etc/shadow || exit 1
virtlogd -d -p /run/libvirt/virtlogd.pid && libvirtd -d -l -p /run/libvirt/libvirtd.pid || exit 1
exec "$@"`;

export interface MigNode extends LabNode {
  dir: string;
  state: string;
  url: string;
  token: string;
  manager?: ChildProcess;
  log: string;
}

async function sh(argv: string[], reject = true) {
  const r = await execa(argv[0]!, argv.slice(1), { reject: false, env: { PATH: SBIN } });
  if (reject && r.exitCode !== 0)
    throw new Error(`${argv.join(' ')} exited ${r.exitCode}: ${String(r.stderr)}`);
  return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export class MigrateRig {
  readonly lab: ClusterLab;
  readonly nodes: MigNode[];
  private readonly hostIf: string;

  constructor(
    readonly prefix: string,
    readonly subnet: string,
    private readonly repo: string,
  ) {
    this.lab = new ClusterLab(2, subnet, prefix);
    this.hostIf = `${prefix}-h`;
    this.nodes = this.lab.nodes.map((n) => ({
      ...n,
      dir: path.join(n.root, 'lv'),
      state: path.join(n.root, 'manager'),
      url: `https://${n.address}:8006`,
      token: '',
      log: '',
    }));
  }

  /** libvirt's socket of the node, for virsh from the host */
  uri(n: MigNode): string {
    return `qemu:///system?socket=${n.dir}/run/libvirt-sock`;
  }

  virsh(n: MigNode, args: string[], reject = false) {
    return sh(['virsh', '-q', '-c', this.uri(n), ...args], reject);
  }

  private hash = '';

  async setup(): Promise<void> {
    // the web interface's login (the manager checks /etc/shadow with crypt(3))
    this.hash = (await sh(['openssl', 'passwd', '-6', PASSWORD])).stdout.trim();
    await this.lab.setup();
    const [n1, n2] = this.nodes as [MigNode, MigNode];
    const c = await this.lab.pveca_(n1, [
      '-c',
      '--name',
      'mig',
      '--token',
      'mig-token-0123456789abcdef',
      '--node-name',
      n1.name,
      '--address',
      n1.address,
    ]);
    if (c.exitCode !== 0) throw new Error(`pveca -c: ${c.stderr}`);
    const a = await this.lab.pveca_(n2, [
      '-a',
      '-h',
      n1.address,
      '--token',
      'mig-token-0123456789abcdef',
      '--node-name',
      n2.name,
      '--address',
      n2.address,
    ]);
    if (a.exitCode !== 0) throw new Error(`pveca -a: ${a.stderr}`);
    // the host's way into the lab (created in the bridge namespace, one end moved out)
    await sh([
      'ip',
      '-n',
      this.lab.bridgeNs,
      'link',
      'add',
      'eh',
      'type',
      'veth',
      'peer',
      'name',
      this.hostIf,
      'netns',
      '1',
    ]);
    await sh(['ip', '-n', this.lab.bridgeNs, 'link', 'set', 'eh', 'master', 'br0', 'up']);
    await sh(['ip', 'addr', 'add', `${this.subnet}.254/24`, 'dev', this.hostIf]);
    await sh(['ip', 'link', 'set', this.hostIf, 'up']);
    for (const mp of ['/etc/pki', IMAGES]) mkdirSync(mp, { recursive: true });
    await Promise.all(this.nodes.map((n) => this.startNode(n)));
  }

  private writeConfig(n: MigNode): void {
    for (const d of ['run', 'lib', 'etc', 'log', 'cache', 'pki', 'images'])
      mkdirSync(path.join(n.dir, d), { recursive: true, mode: 0o755 });
    cpSync('/etc/libvirt', path.join(n.dir, 'etc'), { recursive: true });
    // QEMU's capabilities probed once on this host: a fresh daemon answers in ~1 s, not 4-6 s
    if (existsSync('/var/cache/libvirt/qemu'))
      cpSync('/var/cache/libvirt/qemu', path.join(n.dir, 'cache/qemu'), { recursive: true });
    writeFileSync(
      path.join(n.dir, 'etc/libvirtd.conf'),
      [
        // TLS with the cluster CA's certificates (as on a node); the unix socket needs no auth
        'listen_tls = 1',
        'listen_tcp = 0',
        `listen_addr = "${n.address}"`,
        'auth_tls = "none"',
        'auth_unix_rw = "none"',
        `host_uuid = "${randomUUID()}"`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(n.dir, 'etc/qemu.conf'),
      [
        `migration_host = "${n.address}"`,
        `migration_address = "${n.address}"`,
        'cgroup_controllers = [ ]',
        // QEMU's migration and NBD streams over TLS too (with --tls), same certificates
        'default_tls_x509_verify = 1',
        '',
      ].join('\n'),
    );
    // libvirtd reads its certificates at start: installed before it starts (the manager keeps them)
    const tls = readMembership(n.root)?.tls;
    if (!tls) throw new Error(`${n.name} has no cluster certificate`);
    syncLibvirtPki(tls, path.join(n.dir, 'pki'));
    mkdirSync(n.state, { recursive: true });
    writeFileSync(path.join(n.dir, 'shadow'), `root:${this.hash}:20000:0:99999:7:::\n`, {
      mode: 0o600,
    });
    writeFileSync(
      path.join(n.state, 'storages.json'),
      JSON.stringify([{ id: 'local', type: 'dir', path: IMAGES }]),
    );
  }

  async startNode(n: MigNode): Promise<void> {
    this.writeConfig(n);
    n.log = '';
    const p = spawn(
      'nsenter',
      [
        `--net=/run/netns/${n.ns}`,
        'unshare',
        '-m',
        '-u',
        '--propagation',
        'private',
        '--',
        'sh',
        '-c',
        NODE_SH,
        n.dir,
        n.name,
        process.execPath,
        path.join(this.repo, 'bin/openve-manager.js'),
        '--dev',
        '--listen',
        `${n.address}:8006`,
        '--state',
        n.state,
        '--cluster-root',
        n.root,
        '--libvirt-uri',
        'qemu:///system',
        '--migrate-uri',
        `qemu+tls://${n.address}/system`,
        '--libvirt-pki',
        '/etc/pki',
      ],
      { env: this.lab.env(n), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    p.stderr?.on('data', (d: Buffer) => (n.log += d.toString()));
    n.manager = p;
    const up = await until(async () => /peers served with mutual TLS/.test(n.log), 120_000, 200);
    if (!up) throw new Error(`manager of ${n.name} did not come up:\n${n.log}`);
    n.token = readFileSync(path.join(n.state, 'root.token'), 'utf8').trim();
  }

  pid(n: MigNode, name: 'libvirtd' | 'virtlogd'): number | undefined {
    return this.lab.pid(path.join(n.dir, 'run', `${name}.pid`));
  }

  /** SIGKILLs the node's libvirtd (a destination dying mid-migration) */
  killLibvirtd(n: MigNode): void {
    const pid = this.pid(n, 'libvirtd');
    if (pid) process.kill(pid, 'SIGKILL');
  }

  /** starts libvirtd again in the node's namespaces (it recovers or kills what it left) */
  async restartLibvirtd(n: MigNode): Promise<void> {
    const mgr = n.manager?.pid;
    if (!mgr) throw new Error(`no manager on ${n.name}`);
    rmSync(path.join(n.dir, 'run/libvirtd.pid'), { force: true });
    await sh([
      'nsenter',
      '-t',
      String(mgr),
      '-m',
      '-n',
      '--',
      'libvirtd',
      '-d',
      '-l',
      '-p',
      '/run/libvirt/libvirtd.pid',
    ]);
    await until(async () => (await this.virsh(n, ['version'])).exitCode === 0, 30_000, 200);
  }

  /** runs `argv` in the node's mount and network namespaces */
  inNode(n: MigNode, argv: string[], reject = true) {
    const mgr = n.manager?.pid;
    if (!mgr) throw new Error(`no manager on ${n.name}`);
    return sh(['nsenter', '-t', String(mgr), '-m', '-n', '--', ...argv], reject);
  }

  /** the API of a node: {status, body} */
  api<T = unknown>(
    n: MigNode,
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: { data?: T; errors?: { path: string; message: string }[] } }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        `${n.url}${url}`,
        {
          method,
          rejectUnauthorized: false,
          headers: {
            authorization: `Bearer ${n.token}`,
            ...(payload ? { 'content-type': 'application/json' } : {}),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => {
            try {
              resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} });
            } catch (err) {
              reject(err as Error);
            }
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** the task's end (polled on the node given; UPIDs of other nodes are forwarded) */
  async task(
    n: MigNode,
    upid: string,
    timeoutMs = 120_000,
    pollMs = 200,
  ): Promise<{ status: string; error: string | null; progress: number; log: string[] }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.api<{
        status: string;
        error: string | null;
        progress: number;
        log: string[];
      }>(n, 'GET', `/api/v1/tasks/${encodeURIComponent(upid)}`);
      const t = r.body.data;
      if (t && t.status !== 'running') return t;
      if (Date.now() > deadline)
        throw new Error(`task ${upid} still running: ${t?.log.join('\n')}`);
      await new Promise((res) => setTimeout(res, pollMs));
    }
  }

  async teardown(): Promise<void> {
    for (const n of this.nodes) {
      // every domain of the node's libvirt (only ours: it is the node's own daemon)
      const list = await this.virsh(n, ['list', '--all', '--name']);
      for (const dom of list.stdout.split('\n').filter(Boolean)) {
        await this.virsh(n, ['destroy', dom]);
        await this.virsh(n, ['undefine', dom]);
      }
      n.manager?.kill('SIGTERM');
      if (n.manager && n.manager.exitCode === null)
        await new Promise((r) => n.manager!.once('exit', r));
      for (const d of ['libvirtd', 'virtlogd'] as const) {
        const pid = this.pid(n, d);
        if (pid)
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            /* gone */
          }
      }
    }
    await sh(['ip', 'link', 'del', this.hostIf], false);
    await this.lab.teardown();
  }
}
