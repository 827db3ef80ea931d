// pveca: cluster management on an installed node (the original product's command, on corosync 3).
//   pveca -c [--name N] [--token T]          create a cluster with this node as master
//   pveca -a -h IP [--token T] [--fingerprint F]   join the cluster whose master is IP
//   pveca -l | -i [--json]                   list nodes / this node
//   pveca -d NAME [--force]                  remove a node (on the master)
//   pveca serve [--detach]                   the cluster service (openve-cluster.service)
import { isEntry } from './entry.ts';
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatIssue, UserError } from '../lib/errors.ts';
import { createRunner } from '../lib/exec/index.ts';
import { parseCommandArgs } from '../lib/args.ts';
import { nodePaths, resolveRoot } from './paths.ts';
import { controlFromEnv } from './cluster/control.ts';
import {
  createCluster,
  formatInfo,
  formatView,
  joinCluster,
  listCluster,
  nodeInfo,
  removeClusterNode,
  type ClusterContext,
} from './cluster/commands.ts';
import { startServer } from './cluster/server.ts';
import { pullConfig } from './cluster/push.ts';
import {
  DEFAULT_PORT,
  readAuthkey,
  readClusterConfig,
  readState,
  writeClusterConfig,
  type ClusterState,
} from './cluster/state.ts';

export const USAGE = `usage: pveca -c [--name CLUSTER] [--token T]              create a cluster (this node is master)
       pveca -a -h MASTER_IP [--token T] [--fingerprint F]  join a cluster
       pveca -l [--json]                                  list the cluster's nodes
       pveca -i [--json]                                  this node's status
       pveca -d NODE [--force]                            remove a node (on the master)
       pveca serve [--detach]                             cluster service (systemd unit)
options: --node-name NAME  --address IP  --port ${DEFAULT_PORT}  --root DIR (or OPENVE_ROOT)  --wait SECONDS (retry master)`;

const OPTIONS = {
  create: { type: 'boolean', short: 'c' },
  add: { type: 'boolean', short: 'a' },
  host: { type: 'string', short: 'h' },
  list: { type: 'boolean', short: 'l' },
  info: { type: 'boolean', short: 'i' },
  delete: { type: 'string', short: 'd' },
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

function portOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new UserError({ path: '--port', message: `'${raw}' is not a TCP port (1-65535)` });
  return n;
}

function print(json: boolean, data: unknown, text: string): void {
  process.stdout.write((json ? JSON.stringify(data, null, 2) : text) + '\n');
}

export async function main(argv: string[]): Promise<number> {
  try {
    const positional = argv[0] === 'serve';
    const { values: o } = parseCommandArgs('', positional ? argv.slice(1) : argv, OPTIONS);
    if (o.help || argv.length === 0) {
      process.stdout.write(USAGE + '\n');
      return argv.length === 0 ? 2 : 0;
    }
    const paths = nodePaths(resolveRoot(o.root));
    const runner = createRunner('real');
    const ctx: ClusterContext = {
      paths,
      runner,
      control: controlFromEnv(runner),
      out: (l) => process.stderr.write(l + '\n'),
    };
    const json = !!o.json;
    const port = portOf(o.port);

    if (positional) return await serve(ctx, !!o.detach, port);
    const modes = [o.create, o.add, o.list, o.info, o.delete !== undefined].filter(Boolean).length;
    if (modes !== 1)
      throw new UserError({
        path: '',
        message: `give exactly one of -c, -a, -l, -i, -d\n${USAGE}`,
      });

    if (o.create) {
      const r = await createCluster(ctx, {
        clusterName: o.name ?? 'openve',
        ...(o.token !== undefined ? { token: o.token } : {}),
        ...(o['node-name'] ? { nodeName: o['node-name'] } : {}),
        ...(o.address ? { address: o.address } : {}),
        ...(port ? { port } : {}),
      });
      const join = `pveca -a -h ${r.address} --token ${r.token} --fingerprint ${r.fingerprint}`;
      print(
        json,
        r,
        [
          `Cluster '${r.clusterName}' created; ${r.nodeName} (${r.address}) is the master${r.quorate ? '' : ' (corosync not quorate yet)'}.`,
          `Join token:   ${r.token}`,
          `Fingerprint:  ${r.fingerprint}`,
          `On each new node run:`,
          `  ${join}`,
        ].join('\n'),
      );
      return r.quorate ? 0 : 1;
    }
    if (o.add) {
      if (!o.host) throw new UserError({ path: '-h', message: 'pveca -a needs -h MASTER_IP' });
      const wait = o.wait === undefined ? 0 : Number(o.wait);
      if (!Number.isFinite(wait) || wait < 0)
        throw new UserError({ path: '--wait', message: `'${o.wait}' is not a number of seconds` });
      const r = await joinCluster(ctx, {
        master: o.host,
        token: o.token ?? process.env.OPENVE_CLUSTER_TOKEN ?? '',
        ...(o.fingerprint ? { fingerprint: o.fingerprint } : {}),
        ...(o['node-name'] ? { nodeName: o['node-name'] } : {}),
        ...(o.address ? { address: o.address } : {}),
        ...(port ? { port } : {}),
        retryMs: wait * 1000,
      });
      const warn = r.unreachable.length
        ? `\nwarning: could not send the new nodelist to ${r.unreachable.join(', ')} (offline?)`
        : '';
      print(
        json,
        r,
        `${r.nodeName} joined cluster '${r.clusterName}' as nodeid ${r.nodeid}: ${r.quorate ? `quorate, ${r.members} members` : 'NOT quorate yet'} (${r.seconds} s)${warn}`,
      );
      return r.quorate ? 0 : 1;
    }
    if (o.list) {
      const v = await listCluster(ctx);
      print(json, v, formatView(v));
      return 0;
    }
    if (o.info) {
      const i = await nodeInfo(ctx);
      print(json, i, formatInfo(i));
      return 0;
    }
    const r = await removeClusterNode(ctx, o.delete!, !!o.force);
    const warn = r.unreachable.length
      ? `\nwarning: could not send the new nodelist to ${r.unreachable.join(', ')}`
      : '';
    print(json, r, `removed ${r.removed} (config version ${r.configVersion})${warn}`);
    return 0;
  } catch (err) {
    if (err instanceof UserError) {
      for (const issue of err.issues) process.stderr.write(`pveca: ${formatIssue(issue)}\n`);
      return 1;
    }
    process.stderr.write(`pveca: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.OPENVE_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 2;
  }
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
  await startServer({ ...ctx, log }, { port });
  mkdirSync(path.dirname(paths.servicePid), { recursive: true });
  writeFileSync(paths.servicePid, `${process.pid}\n`);
  log(`openve cluster service (${state.role}) listening on port ${port}`);
  if (state.role === 'node') void catchUp(ctx, state, log);
  return new Promise<number>(() => undefined); // runs until killed
}

/** A member that was down during a push pulls the current nodelist from the master (retrying ~2 min). */
async function catchUp(
  ctx: ClusterContext,
  state: ClusterState,
  log: (l: string) => void,
): Promise<void> {
  for (let attempt = 1; attempt <= 12; attempt++) {
    try {
      const version = await pullConfig(
        state,
        readAuthkey(ctx.paths),
        readClusterConfig(ctx.paths),
        async (config) => {
          writeClusterConfig(ctx.paths, config);
          await ctx.control.reloadCorosync().catch(() => undefined); // corosync may not run yet: it reads the file when it starts
        },
      );
      log(
        version
          ? `caught up with the master: config_version ${version}`
          : 'nodelist up to date with the master',
      );
      return;
    } catch (err) {
      if (attempt === 12)
        log(
          `could not reach the master ${state.master.address} to check the nodelist: ${(err as Error).message}`,
        );
      await new Promise((r) => setTimeout(r, 10_000));
    }
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
