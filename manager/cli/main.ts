// openve: the node manager's CLI, a client of its API. Locally it reads the root token and the
// node certificate from the manager's state dir; remotely give --host, --token and --ca.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ApiFailure, Client } from './client.ts';
import { table } from './format.ts';
import { consoleSession } from './console.ts';
import { storageCommand, StorageUsage } from './storage.ts';
import { imageCommand } from './images.ts';
import { clusterCommand } from './cluster.ts';
import { loginCommand } from './login.ts';
import { MigrateUsage, nodeEvacuateCommand, vmMigrateCommand } from './migrate.ts';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const stdio: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

const USAGE = `usage: openve [--host URL] [--token TOKEN] [--ca FILE] [--state DIR] [--node NAME] [--json] COMMAND
  vm list | create --name N --memory MiB [--vcpus N] [--max-vcpus N] [--max-memory MiB] [--disk GiB[@storage]]... [--net BRIDGE[:VLAN]|none]... [--iso FILE]
       [--firmware bios|uefi] [--boot cdrom,disk] [--id N] | start|stop|shutdown|reboot ID [--timeout S]
       | delete ID --yes | config ID [--name N --vcpus N --memory MiB ...] (running: vcpus/memory live up to the max) | console ID (serial; Ctrl-] leaves)
       | migrate ID NODE [--online|--offline]   (to another node of the cluster; follows the task)
  ct list | create --hostname H --template T [--memory MiB] [--cores N] [--privileged] [--features nesting=0|1] [--rootfs GiB[@storage]] [--net BRIDGE[:IP[:GW]]|none]... [--id N]
       [--password-stdin] [--ssh-key FILE]... | start|stop|shutdown ID | delete ID --yes | exec ID -- COMMAND...
       | console ID (tty 0; Ctrl-] leaves) | migrate ID NODE [--restart]
  storage list | content STORAGE [--content K] | upload STORAGE FILE --content iso|vztmpl [--filename N] [--sha256 HEX]
       | download STORAGE NAME --content iso|vztmpl [--output FILE] | delete STORAGE NAME --content iso|vztmpl
  iso|template list | upload FILE | download NAME [--output FILE] | delete NAME  [--storage S]   (the storage holding ISOs / templates)
  node evacuate NODE [--max-workers 1|2]   (every running VM of NODE moves live, every running container by restart, to other nodes)
  task list | task show ID | task stop ID   (stop ID: a migration rolls back, the guest stays where it was)
  cluster resources   (every node and guest of the cluster; any node answers, forwards actions)
  token list | token create [--comment C] | token revoke ID
  login [--user root] [--comment C]   (password on stdin; prints a new API token)
  --no-wait  return the task id instead of waiting for the task`;

const OPTIONS = {
  host: { type: 'string' },
  token: { type: 'string' },
  ca: { type: 'string' },
  insecure: { type: 'boolean' },
  state: { type: 'string' },
  node: { type: 'string' },
  json: { type: 'boolean' },
  'no-wait': { type: 'boolean' },
  yes: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  id: { type: 'string' },
  name: { type: 'string' },
  hostname: { type: 'string' },
  template: { type: 'string' },
  memory: { type: 'string' },
  vcpus: { type: 'string' },
  cores: { type: 'string' },
  disk: { type: 'string', multiple: true },
  net: { type: 'string', multiple: true },
  iso: { type: 'string' },
  firmware: { type: 'string' },
  boot: { type: 'string' },
  timeout: { type: 'string' },
  privileged: { type: 'boolean' },
  features: { type: 'string' },
  comment: { type: 'string' },
  content: { type: 'string' },
  filename: { type: 'string' },
  sha256: { type: 'string' },
  output: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  'ssh-key': { type: 'string', multiple: true },
  user: { type: 'string' },
  restart: { type: 'boolean' },
  'max-vcpus': { type: 'string' },
  'max-memory': { type: 'string' },
  online: { type: 'boolean' },
  offline: { type: 'boolean' },
  'max-workers': { type: 'string' },
  storage: { type: 'string' },
  rootfs: { type: 'string' },
} as const;

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values'];

class UsageError extends Error {}

/** numbers stay numbers for the API to judge ("memory: must be a number of MiB" comes from the server) */
const num = (v: string | undefined) =>
  v === undefined ? undefined : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;

function vmBody(v: Values): Record<string, unknown> {
  const body: Record<string, unknown> = { name: v.name, memory: num(v.memory) };
  if (v.id) body.id = num(v.id);
  if (v.vcpus) body.vcpus = num(v.vcpus);
  if (v['max-vcpus']) body.maxVcpus = num(v['max-vcpus']);
  if (v['max-memory']) body.maxMemory = num(v['max-memory']);
  if (v.disk)
    body.disks = v.disk.map((d) => {
      const [size, storage] = d.split('@');
      return { size: num(size), ...(storage ? { storage } : {}) };
    });
  if (v.net?.includes('none')) body.nics = [];
  else if (v.net)
    body.nics = v.net.map((n) => {
      const [bridge, vlan] = n.split(':');
      return { bridge, ...(vlan ? { vlan: num(vlan) } : {}) };
    });
  if (v.iso) body.iso = v.iso;
  if (v.firmware) body.firmware = v.firmware;
  if (v.boot) body.boot = v.boot.split(',');
  return body;
}

/**
 * `--features nesting=1[,KEY=VALUE...]` (Proxmox's pct syntax) -> { nesting: true, ... }: 1/0 and
 * true/false become booleans, anything else goes as given for the API to judge (`features.KEY: ...`)
 */
function features(spec: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of spec.split(',').filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`features: '${part}' must be KEY=VALUE, like nesting=1`);
    const [key, value] = [part.slice(0, eq), part.slice(eq + 1)];
    out[key] =
      value === '1' || value === 'true' ? true : value === '0' || value === 'false' ? false : value;
  }
  return out;
}

function ctBody(v: Values): Record<string, unknown> {
  const body: Record<string, unknown> = { hostname: v.hostname, template: v.template };
  if (v.id) body.id = num(v.id);
  if (v.memory) body.memory = num(v.memory);
  if (v.cores) body.cores = num(v.cores);
  if (v.privileged) body.unprivileged = false;
  if (v.features !== undefined) body.features = features(v.features);
  if (v.rootfs) {
    // like --disk: 8@local-lvm (an ext4 thin volume), 8@local (a directory), or a size alone
    const [size, storage] = v.rootfs.split('@');
    body.rootfs = { size: num(size), ...(storage ? { storage } : {}) };
  }
  if (v['ssh-key'])
    body.sshKeys = v['ssh-key'].flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#')),
    );
  if (v.net?.includes('none')) body.nics = [];
  else if (v.net)
    body.nics = v.net.map((n, i) => {
      const [bridge, ip, gateway] = n.split(':');
      return { name: `eth${i}`, bridge, ...(ip ? { ip } : {}), ...(gateway ? { gateway } : {}) };
    });
  return body;
}

interface Task {
  id: string;
  status: string;
  error: string | null;
  log?: string[];
}

async function follow(
  c: Client,
  started: { task: string; id?: number },
  v: Values,
  io: Io,
): Promise<number> {
  if (v['no-wait']) {
    io.out(v.json ? JSON.stringify(started) + '\n' : `${started.task}\n`);
    return 0;
  }
  for (;;) {
    const t = await c.request<Task>('GET', `/api/v1/tasks/${encodeURIComponent(started.task)}`);
    if (t.status !== 'running') {
      if (v.json) io.out(JSON.stringify({ ...started, status: t.status, error: t.error }) + '\n');
      else if (t.status === 'ok')
        io.out(`${started.id !== undefined ? `${started.id}: ` : ''}OK (${started.task})\n`);
      if (t.status !== 'ok') {
        io.err(
          `task failed: ${t.error ?? 'unknown error'}\n${(t.log ?? [])
            .slice(-10)
            .map((l) => `  ${l}`)
            .join('\n')}\n`,
        );
        return 1;
      }
      return 0;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

function guestId(pos: string[], what: string): string {
  const id = pos[2];
  if (!id || !/^\d+$/.test(id))
    throw new UsageError(`id: give the ${what} id, e.g. openve ${pos[0]} ${pos[1]} 100`);
  return id;
}

async function run(c: Client, v: Values, pos: string[], rest: string[], io: Io): Promise<number> {
  const [group, cmd] = pos;
  if (group === 'cluster') return clusterCommand(c, cmd, v.json === true, (t) => io.out(t));
  if (group === 'vm' && cmd === 'migrate') return vmMigrateCommand(c, v, pos, io);
  if (group === 'node' && cmd === 'evacuate') return nodeEvacuateCommand(c, v, pos, io);
  const node = v.node ?? (await c.request<{ node: string }[]>('GET', '/api/v1/nodes'))[0]?.node;
  const print = (data: unknown, columns: string[]) =>
    io.out(
      v.json
        ? JSON.stringify(data, null, 2) + '\n'
        : table(data as Record<string, unknown>[], columns),
    );
  if (group === 'storage') return storageCommand(c, v, pos, node ?? '', io);
  if (group === 'iso' || group === 'template')
    return imageCommand(c, group, v, pos, node ?? '', io);
  const kind = group === 'vm' ? 'vms' : 'cts';
  const base = `/api/v1/nodes/${node}/${kind}`;
  if (group === 'ct' && cmd === 'migrate') {
    const id = guestId(pos, 'container');
    const target = pos[3];
    if (!target)
      throw new UsageError('target: give the node, e.g. openve ct migrate 100 node2 [--restart]');
    const body = { target, ...(v.restart ? { restart: true } : {}) };
    return follow(c, await c.request('POST', `${base}/${id}/migrate`, body), v, io);
  }
  if (group === 'vm' || group === 'ct') {
    switch (cmd) {
      case 'list':
        print(
          await c.request('GET', base),
          group === 'vm'
            ? ['id', 'name', 'state', 'vcpus', 'memory', 'accel']
            : ['id', 'name', 'state', 'memory', 'cores', 'unprivileged'],
        );
        return 0;
      case 'create': {
        const body = group === 'vm' ? vmBody(v) : ctBody(v);
        // the root password only from stdin, never from argv (visible in ps)
        if (group === 'ct' && v['password-stdin'])
          body.password = (await readStdin()).replace(/\r?\n$/, '');
        return follow(c, await c.request('POST', base, body), v, io);
      }
      case 'start':
      case 'stop':
      case 'shutdown':
      case 'reboot': {
        const id = guestId(pos, group);
        const body = v.timeout ? { timeout: num(v.timeout) } : {};
        return follow(c, await c.request('POST', `${base}/${id}/status/${cmd}`, body), v, io);
      }
      case 'delete': {
        const id = guestId(pos, group);
        if (!v.yes)
          throw new UsageError(
            `confirm: deleting ${group} ${id} also deletes its ${group === 'vm' ? 'disks' : 'root file system'}: add --yes`,
          );
        return follow(c, await c.request('DELETE', `${base}/${id}?confirm=${id}`), v, io);
      }
      case 'config': {
        const id = guestId(pos, group);
        const max = { maxVcpus: v['max-vcpus'], maxMemory: v['max-memory'] };
        if (
          group === 'vm' &&
          (v.name ||
            v.vcpus ||
            v.memory ||
            v.firmware ||
            v.boot ||
            v.iso ||
            max.maxVcpus ||
            max.maxMemory)
        ) {
          const patch: Record<string, unknown> = {};
          for (const [k, x] of Object.entries(max)) if (x) patch[k] = num(x);
          if (v.name) patch.name = v.name;
          if (v.vcpus) patch.vcpus = num(v.vcpus);
          if (v.memory) patch.memory = num(v.memory);
          if (v.firmware) patch.firmware = v.firmware;
          if (v.boot) patch.boot = v.boot.split(',');
          if (v.iso) patch.iso = v.iso;
          return follow(c, await c.request('PUT', `${base}/${id}/config`, patch), v, io);
        }
        const g = await c.request<{ config: unknown }>('GET', `${base}/${id}`);
        io.out(JSON.stringify(v.json ? g : g.config, null, 2) + '\n');
        return 0;
      }
      case 'console': {
        const tail = group === 'vm' ? 'serial' : 'console';
        return consoleSession(c.socket(`${base}/${guestId(pos, group)}/${tail}`), io);
      }
      case 'exec': {
        if (group !== 'ct') break;
        const id = guestId(pos, group);
        if (!rest.length)
          throw new UsageError('command: give it after --, e.g. openve ct exec 100 -- hostname');
        const r = await c.request<{ exitCode: number; stdout: string; stderr: string }>(
          'POST',
          `${base}/${id}/exec`,
          { command: rest },
        );
        if (v.json) io.out(JSON.stringify(r) + '\n');
        else {
          io.out(r.stdout);
          if (r.stderr) io.err(r.stderr);
        }
        return r.exitCode;
      }
    }
  }
  if (group === 'task') {
    if (cmd === 'list')
      return (
        print(await c.request('GET', '/api/v1/tasks'), [
          'id',
          'status',
          'target',
          'user',
          'started',
        ]),
        0
      );
    if (cmd === 'show' && pos[2]) {
      const t = await c.request<Task>('GET', `/api/v1/tasks/${encodeURIComponent(pos[2])}`);
      io.out(
        v.json
          ? JSON.stringify(t, null, 2) + '\n'
          : `${t.id}: ${t.status}${t.error ? ` (${t.error})` : ''}\n${(t.log ?? []).join('\n')}\n`,
      );
      return 0;
    }
    if (cmd === 'stop' && pos[2]) {
      await c.request('DELETE', `/api/v1/tasks/${encodeURIComponent(pos[2])}`);
      io.out(v.json ? JSON.stringify({ task: pos[2] }) + '\n' : `stopping ${pos[2]}\n`);
      return 0;
    }
  }
  if (group === 'token') {
    if (cmd === 'list')
      return (
        print(await c.request('GET', '/api/v1/access/tokens'), [
          'id',
          'user',
          'comment',
          'created',
        ]),
        0
      );
    if (cmd === 'create') {
      const t = await c.request<{ id: string; token: string }>('POST', '/api/v1/access/tokens', {
        comment: v.comment ?? '',
      });
      io.out(
        v.json
          ? JSON.stringify(t) + '\n'
          : `${t.token}\n(shown once: store it now; revoke with openve token revoke ${t.id})\n`,
      );
      return 0;
    }
    if (cmd === 'revoke' && pos[2]) {
      await c.request('DELETE', `/api/v1/access/tokens/${encodeURIComponent(pos[2])}`);
      io.out(`revoked ${pos[2]}\n`);
      return 0;
    }
  }
  throw new UsageError(`unknown command: openve ${pos.join(' ')}`);
}

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const dash = argv.indexOf('--');
  const mine = dash >= 0 ? argv.slice(0, dash) : argv;
  const rest = dash >= 0 ? argv.slice(dash + 1) : [];
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: mine,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    io.err(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (positionals[0] === 'login') return loginCommand(values, io, (f) => readFileSync(f, 'utf8'));
  if (values.help || positionals.length < 2) {
    (values.help ? io.out : io.err)(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const state = values.state ?? process.env.OPENVE_STATE ?? '/var/lib/openve/manager';
  const local = !values.host;
  const tokenFile = path.join(state, 'root.token');
  const token =
    values.token ??
    process.env.OPENVE_TOKEN ??
    (local && existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined);
  if (!token) {
    io.err(
      `token: no API token: pass --token, set OPENVE_TOKEN, or run as root on the node (${tokenFile})\n`,
    );
    return 2;
  }
  const certFile = path.join(state, 'tls', 'node.pem');
  const ca = values.ca
    ? readFileSync(values.ca, 'utf8')
    : local && existsSync(certFile)
      ? readFileSync(certFile, 'utf8')
      : undefined;
  const client = new Client({
    base: values.host ?? 'https://127.0.0.1:8006',
    token,
    ca,
    insecure: values.insecure,
  });
  try {
    return await run(client, values, positionals, rest, io);
  } catch (e) {
    if (e instanceof UsageError || e instanceof StorageUsage || e instanceof MigrateUsage) {
      io.err(`${e.message}\n`);
      return 2;
    }
    if (e instanceof ApiFailure) {
      io.err(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
