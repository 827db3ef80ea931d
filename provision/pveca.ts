// pveca: cluster management on an installed node (the original product's command, on corosync 3).
//   pveca -c [--name N] [--token T]                 create a cluster with this node as master
//   pveca -a -h IP[,IP...] [--token T] [--fingerprint F]   join through the master or any member
//   pveca -l | -i [--json]                          list nodes / this node
//   pveca -d NAME [--force]                         remove a node that is down (any quorate member)
//   pveca leave [--force]                           this node leaves its cluster
//   pveca --upgrade-ca                              give a cluster made before the cluster CA one
//   pveca serve [--detach]                          the cluster service (openve-cluster.service)
// Every verb answers --help; see provision/README.md for -h (help alone, the member's IP with -a).
import { isEntry } from './entry.ts';
// `serve --detach` starts this same script as a daemon that outlives us (detached, its output to a
// log file): no child the command runner waits on or streams, the one spawn outside lib/exec
// eslint-disable-next-line no-restricted-imports
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatIssue, UserError } from '../lib/errors.ts';
import { createRunner, type CommandRunner } from '../lib/exec/index.ts';
import { parseCommandArgs } from '../lib/args.ts';
import { nodePaths, resolveRoot } from './paths.ts';
import { controlFromEnv } from './cluster/control.ts';
import {
  createCluster,
  formatInfo,
  formatLeave,
  formatView,
  joinCluster,
  leaveCluster,
  listCluster,
  nodeInfo,
  removeClusterNode,
  upgradeCa,
  formatUpgradeCa,
  type ClusterContext,
  type CreateResult,
  type JoinResult,
  type LibvirtTlsSummary,
} from './cluster/commands/index.ts';
import { applySnapshot, startServer, type ServiceContext } from './cluster/server.ts';
import { newestSnapshot } from './cluster/push.ts';
import {
  DEFAULT_PORT,
  readAuthkey,
  readClusterConfig,
  readState,
  type ClusterState,
} from './cluster/state.ts';

const COMMON = `common: --node-name NAME  --address IP  --port ${DEFAULT_PORT}  --root DIR (or OPENVE_ROOT)  --json`;

interface Verb {
  usage: string;
  /** options this verb takes besides --root and --help */
  options: (keyof typeof OPTIONS)[];
}

const VERBS = {
  create: {
    usage: `pveca -c [--name CLUSTER] [--token T] [--node-name N] [--address IP] [--port P] [--json]
  create a cluster; this node is its first member (the master). The token (16+ printable
  characters, no spaces; random when not given) is what joiners need.`,
    options: ['create', 'name', 'token', 'node-name', 'address', 'port', 'json'],
  },
  add: {
    usage: `pveca -a -h MEMBER[,MEMBER...] [--token T] [--fingerprint F] [--wait S] [--node-name N] [--address IP] [--port P] [--json]
  join the cluster of MEMBER (the master, or any member: while the master is down another quorate
  member accepts; list several with commas or repeat -h, they are tried in turn). --fingerprint
  pins the first one's certificate; without it, a member must prove it knows the token.
  --wait S retries unreachable members for S seconds. The token may come from OPENVE_CLUSTER_TOKEN.`,
    options: [
      'add',
      'host',
      'token',
      'fingerprint',
      'wait',
      'node-name',
      'address',
      'port',
      'json',
    ],
  },
  list: {
    usage: `pveca -l [--json]
  the cluster's nodes: id, name, address, role, online/offline, and the quorum line.`,
    options: ['list', 'json'],
  },
  info: {
    usage: `pveca -i [--json]
  this node's status in the cluster.`,
    options: ['info', 'json'],
  },
  delete: {
    usage: `pveca -d NODE [--force] [--json]
  on any quorate member: remove NODE (down) from the nodelist and tell every member.
  pveca -d THIS_NODE is the same as pveca leave.`,
    options: ['delete', 'force', 'json'],
  },
  leave: {
    usage: `pveca leave [--force] [--json]
  take this node out of its cluster: stop corosync, tell the others (they keep quorum), remove
  corosync.conf, authkey, token and cluster.json, stop the cluster service.`,
    options: ['force', 'json'],
  },
  'upgrade-ca': {
    usage: `pveca --upgrade-ca [--json]
  on any member of a cluster made before the cluster CA or before libvirt TLS: make the CA (or keep
  this node's), give it to every member, issue each its node certificate (the managers' mutual TLS)
  and set up libvirt TLS from them (live migration). Run it again for members that were offline.`,
    options: ['upgrade-ca', 'json'],
  },
  serve: {
    usage: `pveca serve [--detach] [--port P]
  the cluster service every member runs (openve-cluster.service): joins, nodelist pushes.`,
    options: ['detach', 'port'],
  },
} satisfies Record<string, Verb>;
type VerbName = keyof typeof VERBS;

export const USAGE = `usage: pveca -c [--name CLUSTER] [--token T]                create a cluster (this node is master)
       pveca -a -h MEMBER[,MEMBER...] [--token T] [--fingerprint F]  join a cluster
       pveca -l [--json]                                    list the cluster's nodes
       pveca -i [--json]                                    this node's status
       pveca -d NODE [--force]                              remove a node that is down
       pveca leave [--force]                                this node leaves its cluster
       pveca --upgrade-ca                                   give an older cluster its CA
       pveca serve [--detach]                               cluster service (systemd unit)
       pveca VERB --help                                    help for one verb (-h alone: this text)
${COMMON}  --wait SECONDS (retry members)`;

const OPTIONS = {
  create: { type: 'boolean', short: 'c' },
  add: { type: 'boolean', short: 'a' },
  // -h is the member's address as in Proxmox's `pveca -a -h IP`; alone it means help (see README)
  host: { type: 'string', short: 'h', multiple: true },
  list: { type: 'boolean', short: 'l' },
  info: { type: 'boolean', short: 'i' },
  delete: { type: 'string', short: 'd' },
  'upgrade-ca': { type: 'boolean' },
  name: { type: 'string' },
  token: { type: 'string' },
  fingerprint: { type: 'string' },
  'node-name': { type: 'string' },
  address: { type: 'string' },
  port: { type: 'string' },
  root: { type: 'string' },
  wait: { type: 'string' },
  json: { type: 'boolean' },
  force: { type: 'boolean' },
  detach: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

const FLAG: Record<string, string> = {
  create: '-c',
  add: '-a',
  host: '-h',
  list: '-l',
  info: '-i',
  delete: '-d',
};
const flagOf = (k: string) => FLAG[k] ?? `--${k}`;

const VERB_TOKENS: Record<string, VerbName> = {
  '-c': 'create',
  '--create': 'create',
  '-a': 'add',
  '--add': 'add',
  '-l': 'list',
  '--list': 'list',
  '-i': 'info',
  '--info': 'info',
  '-d': 'delete',
  '--delete': 'delete',
  '--upgrade-ca': 'upgrade-ca',
};

/** The one verb a command line names (for `--help`), or undefined for none or several. */
export function helpVerb(argv: readonly string[]): VerbName | undefined {
  if (argv[0] === 'serve' || argv[0] === 'leave') return argv[0];
  const verbs = new Set(
    argv.flatMap((a) => {
      const v = VERB_TOKENS[a.split('=')[0]!];
      return v ? [v] : [];
    }),
  );
  return verbs.size === 1 ? [...verbs][0] : undefined;
}

/** parseArgs, with `-h` missing its value explained (Proxmox's -h is the member's address) */
function parseArgv(args: string[]) {
  try {
    return parseCommandArgs('', args, OPTIONS);
  } catch (err) {
    if (err instanceof UserError && /'-h\b|--host/.test(err.message))
      throw new UserError({
        path: '-h',
        message: "needs the member's IP address (pveca -a -h IP); for help use --help, or -h alone",
      });
    throw err;
  }
}

function portOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^[0-9]{1,5}$/.test(raw) || n < 1 || n > 65535)
    throw new UserError({ path: '--port', message: `'${raw}' is not a TCP port (1-65535)` });
  return n;
}

function waitOf(raw: string | undefined): number {
  if (raw === undefined) return 0;
  const n = Number(raw);
  if (!/^[0-9]{1,7}(\.[0-9]+)?$/.test(raw) || !Number.isFinite(n))
    throw new UserError({ path: '--wait', message: `'${raw}' is not a number of seconds` });
  return n;
}

export interface PvecaIo {
  runner?: CommandRunner;
  env?: Readonly<Record<string, string | undefined>>;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

export async function main(argv: string[], io: PvecaIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((t: string) => void process.stdout.write(t));
  const stderr = io.stderr ?? ((t: string) => void process.stderr.write(t));
  const env = io.env ?? process.env;
  try {
    if (argv.length === 0) {
      stderr(USAGE + '\n');
      return 2;
    }
    if (argv.length === 1 && argv[0] === '-h') {
      stdout(USAGE + '\n');
      return 0;
    }
    // --help before the options are read: `pveca -d --help` must not take --help as the node name
    if (argv.includes('--help')) {
      const verb = helpVerb(argv);
      stdout((verb ? `usage: ${VERBS[verb].usage}\n${COMMON}` : USAGE) + '\n');
      return 0;
    }
    const positional = argv[0] === 'serve' || argv[0] === 'leave' ? argv[0] : undefined;
    const { values: o } = parseArgv(positional ? argv.slice(1) : argv);
    const given = (['create', 'add', 'list', 'info', 'delete', 'upgrade-ca'] as const).filter(
      (k) => o[k] !== undefined && o[k] !== false,
    );
    const verb: VerbName | undefined = positional ?? (given.length === 1 ? given[0] : undefined);
    if (o.help) {
      stdout((verb ? `usage: ${VERBS[verb].usage}\n${COMMON}` : USAGE) + '\n');
      return 0;
    }
    if (!verb || (positional && given.length)) {
      throw new UserError({
        path: '',
        message: `give exactly one of -c, -a, -l, -i, -d, --upgrade-ca, leave, serve\n${USAGE}`,
      });
    }
    // an option the verb does not use is a mistake, not something to ignore silently
    const allowed = new Set<string>([...VERBS[verb].options, 'root', 'help']);
    const stray = Object.keys(o).filter((k) => !allowed.has(k));
    if (stray.length)
      throw new UserError(
        stray.map((k) => ({
          path: flagOf(k),
          message:
            k === 'host'
              ? `-h MEMBER_IP belongs to -a (join); for help use --help or -h alone`
              : `not an option of ${positional ?? flagOf(verb)}; see 'pveca ${positional ?? flagOf(verb)} --help'`,
        })),
      );
    // every flag's value is checked before anything is read, written or run
    const port = portOf(o.port);
    const wait = waitOf(o.wait);
    const paths = nodePaths(resolveRoot(o.root ?? env.OPENVE_ROOT));
    const runner = io.runner ?? createRunner('real');
    const out = (l: string) => stderr(l + '\n');
    const ctx: ClusterContext = {
      paths,
      runner,
      control: controlFromEnv(runner, paths, out, env),
      out,
    };
    const json = !!o.json;
    const print = (data: unknown, text: string) =>
      stdout((json ? JSON.stringify(data, null, 2) : text) + '\n');

    switch (verb) {
      case 'serve':
        return await serve(ctx, !!o.detach, port);
      case 'create': {
        const r = await createCluster(ctx, {
          clusterName: o.name ?? 'openve',
          ...(o.token !== undefined ? { token: o.token } : {}),
          ...(o['node-name'] !== undefined ? { nodeName: o['node-name'] } : {}),
          ...(o.address !== undefined ? { address: o.address } : {}),
          ...(port ? { port } : {}),
        });
        print(r, formatCreated(r));
        return r.quorate || !r.corosyncStarted ? 0 : 1;
      }
      case 'add': {
        const hosts = (o.host ?? []).flatMap((h) => h.split(',')).map((h) => h.trim());
        if (!hosts.length)
          throw new UserError({ path: '-h', message: 'pveca -a needs -h MEMBER_IP (the master)' });
        const token = o.token ?? env.OPENVE_CLUSTER_TOKEN ?? '';
        const r = await joinCluster(ctx, {
          master: hosts[0]!,
          members: hosts.slice(1),
          token,
          ...(o.fingerprint !== undefined ? { fingerprint: o.fingerprint } : {}),
          ...(o['node-name'] !== undefined ? { nodeName: o['node-name'] } : {}),
          ...(o.address !== undefined ? { address: o.address } : {}),
          ...(port ? { port } : {}),
          retryMs: wait * 1000,
        });
        print(r, formatJoined(r));
        return r.quorate || !r.corosyncStarted ? 0 : 1;
      }
      case 'list': {
        const v = await listCluster(ctx);
        print(v, formatView(v));
        return 0;
      }
      case 'info': {
        const i = await nodeInfo(ctx);
        print(i, formatInfo(i));
        return 0;
      }
      case 'upgrade-ca': {
        const r = await upgradeCa(ctx);
        print(r, formatUpgradeCa(r));
        return r.nodes.some((n) => n.error) ? 1 : 0;
      }
      case 'delete':
      case 'leave': {
        const self = readState(paths)?.nodeName;
        if (verb === 'leave' || o.delete === self) {
          const r = await leaveCluster(ctx, !!o.force);
          print(r, formatLeave(r));
          return 0;
        }
        const r = await removeClusterNode(ctx, o.delete!, !!o.force);
        const warn = r.unreachable.length
          ? `\nwarning: could not send the new nodelist to ${r.unreachable.join(', ')}`
          : '';
        const how = r.cleaned
          ? `; ${r.removed} was reachable and cleaned itself up`
          : `; ${r.removed} was not reachable: it cleans itself up when its cluster service starts again`;
        print(r, `removed ${r.removed} (config version ${r.configVersion})${how}${warn}`);
        return 0;
      }
    }
  } catch (err) {
    if (err instanceof UserError) {
      for (const issue of err.issues) stderr(`pveca: ${formatIssue(issue)}\n`);
      return 1;
    }
    stderr(`pveca: ${err instanceof Error ? err.message : String(err)}\n`);
    if (env.OPENVE_DEBUG && err instanceof Error) stderr(`${err.stack}\n`);
    return 2;
  }
}

function formatCreated(r: CreateResult): string {
  // the token is printed once, here, because the operator asked for the cluster to be created
  const join = `pveca -a -h ${r.address} --token ${r.token} --fingerprint ${r.fingerprint}`;
  return [
    `Cluster '${r.clusterName}' created; ${r.nodeName} (${r.address}) is the master${r.quorate ? '' : r.corosyncStarted ? ' (corosync not quorate yet)' : ' (corosync not started)'}.`,
    `Join token:   ${r.token}`,
    `Fingerprint:  ${r.fingerprint}`,
    `On each new node run:`,
    `  ${join}`,
    formatLibvirtTls(r.libvirtTls),
  ].join('\n');
}

/** one line: what libvirt TLS setup did (the systemctl part is reported by the control) */
function formatLibvirtTls(l: LibvirtTlsSummary): string {
  if (l.skipped) return `libvirt TLS: ${l.skipped}`;
  return l.written.length
    ? `libvirt TLS (qemu+tls:// migration) from the cluster CA: ${l.written.length} files written${l.restart ? ', libvirtd restarted to read them (unless skipped above)' : ''}`
    : 'libvirt TLS (qemu+tls:// migration) from the cluster CA: already set up';
}

function formatJoined(r: JoinResult): string {
  const warn = r.unreachable.length
    ? `\nwarning: could not send the new nodelist to ${r.unreachable.join(', ')} (offline?)`
    : '';
  return `${r.nodeName} joined cluster '${r.clusterName}' as nodeid ${r.nodeid} (accepted by ${r.master.name}): ${r.quorate ? `quorate, ${r.members} members` : r.corosyncStarted ? 'NOT quorate yet' : 'corosync not started'} (${r.seconds} s)${warn}\n${formatLibvirtTls(r.libvirtTls)}`;
}

async function serve(ctx: ClusterContext, detach: boolean, portFlag?: number): Promise<number> {
  const { paths } = ctx;
  if (detach) return detachService(paths.servicePid, paths.serviceLog, paths.root, portFlag);
  const state = readState(paths);
  if (!state)
    throw new UserError({
      path: 'pveca serve',
      message: `not in a cluster (no ${paths.clusterJson})`,
    });
  const log = (l: string) => process.stdout.write(`${new Date().toISOString()} ${l}\n`);
  const port = portFlag ?? state.port;
  const service = { ...ctx, log };
  await startServer(service, { port });
  mkdirSync(path.dirname(paths.servicePid), { recursive: true });
  writeFileSync(paths.servicePid, `${process.pid}\n`);
  log(`openve cluster service (${state.nodeName}) listening on port ${port}`);
  void catchUp(service, state, log);
  return new Promise<number>(() => undefined); // runs until killed
}

/** A member that was down during a push pulls the newest nodelist from the others (retrying ~2 min). */
async function catchUp(
  ctx: ServiceContext,
  state: ClusterState,
  log: (l: string) => void,
): Promise<void> {
  for (let attempt = 1; attempt <= 12; attempt++) {
    const config = readClusterConfig(ctx.paths);
    if (!config) return;
    const newest = await newestSnapshot(state, readAuthkey(ctx.paths), config);
    if (newest) {
      if (newest.config.configVersion > config.configVersion) {
        const applied = await applySnapshot(ctx, newest);
        // corosync may not run yet: it reads the file when it starts
        if (applied === newest.config.configVersion)
          await ctx.control.reloadCorosync().catch(() => undefined);
        log(`caught up with the members: config_version ${newest.config.configVersion}`);
      } else log('nodelist up to date with the members');
      return;
    }
    if (config.nodes.length === 1) return;
    if (attempt === 12) log('could not reach any other member to check the nodelist');
    await new Promise((r) => setTimeout(r, 10_000));
  }
}

/** Starts `pveca serve` in the background (tests; systemd runs it in the foreground) and waits until it listens. */
async function detachService(
  pidFile: string,
  logFile: string,
  root: string,
  port?: number,
): Promise<number> {
  rmSync(pidFile, { force: true });
  mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  const script =
    process.argv[1] && existsSync(process.argv[1])
      ? process.argv[1]
      : fileURLToPath(import.meta.url);
  const args = [script, 'serve', '--root', root, ...(port ? ['--port', String(port)] : [])];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd] });
  child.unref();
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() === String(child.pid)) return 0;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  process.stderr.write(`pveca: the cluster service did not start; see ${logFile}\n`);
  return 1;
}

// Run directly (the bundled /usr/lib/openve/pveca.js): call main; imported (bin/pveca.js, tests): don't.
if (isEntry(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
