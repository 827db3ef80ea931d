// A lab of real corosync 3 nodes on this machine (docs/design.md §5): one network namespace per node, each
// with a veth to a bridge that lives in a namespace of its own; addresses exist only inside them.
// Each node has its own root dir (OPENVE_ROOT) and /run (bind-mounted in a private mount namespace,
// because corosync hard-codes /var/run/corosync.pid). Used by the integration test and bench/cluster.mjs.
import { build } from 'esbuild';
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// the repository: walk up from here (this file may also run bundled, from bench/)
function findRepo(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'provision/pveca.ts'))) {
    const up = path.dirname(dir);
    if (up === dir)
      throw new Error('cannot find the openve repository above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}
const repo = findRepo();
let labCount = 0;
const SBIN_PATH = `/usr/local/sbin:/usr/sbin:/sbin:${process.env.PATH ?? '/usr/bin:/bin'}`;

export interface LabNode {
  index: number;
  name: string;
  ns: string;
  address: string;
  root: string;
  run: string;
}

export interface PvecaResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  ms: number;
}

async function sh(
  argv: string[],
  reject = true,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa(argv[0]!, argv.slice(1), { reject: false, env: { PATH: SBIN_PATH } });
  const out = { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
  if (reject && out.exitCode !== 0)
    throw new Error(`${argv.join(' ')} exited ${out.exitCode}: ${out.stderr}`);
  return out;
}

export class ClusterLab {
  readonly base: string;
  readonly nodes: LabNode[] = [];
  readonly bridgeNs: string;
  readonly prefix: string;
  pveca = '';
  firstboot = '';

  constructor(
    readonly size: number,
    readonly subnet = '10.99.0',
    /** namespace name prefix (a helper's own, e.g. `cl-`); default unique per process */
    prefix?: string,
  ) {
    this.base = mkdtempSync(path.join(os.tmpdir(), 'openve-cluster-'));
    this.prefix =
      prefix ?? `ovc${process.pid % 10000}${String.fromCharCode(97 + (labCount++ % 26))}`;
    this.bridgeNs = `${this.prefix}-br`;
    for (let i = 1; i <= size; i++) {
      const root = path.join(this.base, `node${i}`);
      this.nodes.push({
        index: i,
        name: `node${i}`,
        ns: `${this.prefix}-n${i}`,
        address: `${subnet}.${i}`,
        root,
        run: path.join(root, 'run'),
      });
    }
  }

  /** Bundles pveca into one file (like the node's /usr/lib/openve/pveca.js). */
  async bundle(): Promise<void> {
    this.pveca = path.join(this.base, 'pveca.mjs');
    this.firstboot = path.join(this.base, 'firstboot.mjs');
    await build({
      entryPoints: {
        pveca: path.join(repo, 'provision/pveca.ts'),
        firstboot: path.join(repo, 'provision/firstboot.ts'),
      },
      outdir: this.base,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      logLevel: 'warning',
      banner: {
        js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
    });
  }

  async setup(): Promise<void> {
    await this.bundle();
    await sh(['ip', 'netns', 'add', this.bridgeNs]);
    await sh(['ip', '-n', this.bridgeNs, 'link', 'add', 'br0', 'type', 'bridge']);
    await sh(['ip', '-n', this.bridgeNs, 'link', 'set', 'br0', 'up']);
    for (const n of this.nodes) {
      mkdirSync(n.run, { recursive: true });
      await sh(['ip', 'netns', 'add', n.ns]);
      // created inside the bridge namespace, the node end moved straight into the node's: never in the host's
      await sh([
        'ip',
        '-n',
        this.bridgeNs,
        'link',
        'add',
        `e${n.index}`,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        n.ns,
      ]);
      await sh(['ip', '-n', this.bridgeNs, 'link', 'set', `e${n.index}`, 'master', 'br0', 'up']);
      await sh(['ip', '-n', n.ns, 'addr', 'add', `${n.address}/24`, 'dev', 'eth0']);
      await sh(['ip', '-n', n.ns, 'link', 'set', 'eth0', 'up']);
      await sh(['ip', '-n', n.ns, 'link', 'set', 'lo', 'up']);
    }
  }

  env(n: LabNode): Record<string, string> {
    return {
      PATH: SBIN_PATH,
      OPENVE_ROOT: n.root,
      // corosync daemonizes inside a private mount namespace whose /run is the node's own dir;
      // the sh -c text is constant, the paths are its positional arguments.
      OPENVE_COROSYNC_START: JSON.stringify([
        'unshare',
        '-m',
        '--propagation',
        'private',
        'sh',
        '-c',
        'mount --bind "$0" /run && exec corosync -c "$1"',
        n.run,
        path.join(n.root, 'etc/corosync/corosync.conf'),
      ]),
      OPENVE_SERVICE_START: JSON.stringify([process.execPath, this.pveca, 'serve', '--detach']),
    };
  }

  /** Runs the bundled pveca inside the node's namespace. */
  async pveca_(n: LabNode, args: string[], timeoutMs = 120_000): Promise<PvecaResult> {
    const started = performance.now();
    const r = await execa('ip', ['netns', 'exec', n.ns, process.execPath, this.pveca, ...args], {
      reject: false,
      env: this.env(n),
      timeout: timeoutMs,
    });
    return {
      exitCode: r.exitCode ?? 1,
      stdout: String(r.stdout),
      stderr: String(r.stderr),
      ms: performance.now() - started,
    };
  }

  /** Runs the bundled first-boot runner inside the node's namespace. */
  async firstboot_(n: LabNode, args: string[], timeoutMs = 120_000): Promise<PvecaResult> {
    const started = performance.now();
    const r = await execa(
      'ip',
      ['netns', 'exec', n.ns, process.execPath, this.firstboot, ...args],
      {
        reject: false,
        env: this.env(n),
        timeout: timeoutMs,
      },
    );
    return {
      exitCode: r.exitCode ?? 1,
      stdout: String(r.stdout),
      stderr: String(r.stderr),
      ms: performance.now() - started,
    };
  }

  pid(file: string): number | undefined {
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  }

  corosyncPid(n: LabNode): number | undefined {
    return this.pid(path.join(n.run, 'corosync.pid'));
  }

  servicePid(n: LabNode): number | undefined {
    return this.pid(path.join(n.root, 'run/openve-cluster.pid'));
  }

  /** (Re)starts the node's corosync the way pveca does (its OPENVE_COROSYNC_START), e.g. after a kill. */
  async startCorosync(n: LabNode): Promise<void> {
    const argv = JSON.parse(this.env(n).OPENVE_COROSYNC_START!) as string[];
    await sh(['ip', 'netns', 'exec', n.ns, ...argv]);
  }

  /** Stops the node's cluster service (pveca serve). */
  async stopService(n: LabNode): Promise<void> {
    const pid = this.servicePid(n);
    if (pid) await killAndWait(pid, 'SIGTERM');
  }

  /** Starts the node's cluster service the way pveca does (its OPENVE_SERVICE_START). */
  async startService(n: LabNode): Promise<PvecaResult> {
    return this.pveca_(n, ['serve', '--detach']);
  }

  /** SIGKILLs the node's corosync (a node failure) and waits until it is gone. */
  async killCorosync(n: LabNode): Promise<void> {
    const pid = this.corosyncPid(n);
    if (pid) await killAndWait(pid, 'SIGKILL');
  }

  async teardown(): Promise<void> {
    for (const n of this.nodes) {
      for (const pid of [this.corosyncPid(n), this.servicePid(n)])
        if (pid) await killAndWait(pid, 'SIGTERM');
    }
    for (const n of this.nodes) await sh(['ip', 'netns', 'del', n.ns], false);
    await sh(['ip', 'netns', 'del', this.bridgeNs], false);
    if (!process.env.OPENVE_KEEP_LAB) rmSync(this.base, { recursive: true, force: true });
  }

  corosyncLog(n: LabNode): string {
    const f = path.join(n.root, 'var/log/corosync/corosync.log');
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function killAndWait(pid: number, signal: NodeJS.Signals, timeoutMs = 5000): Promise<void> {
  if (!alive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** Polls `fn` until it returns a truthy value or the timeout passes. */
export async function until<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
