// openve-install serve --iso ISO --answers DIR [--interface IF] [--listen ADDR] [--dhcp-range A,B]
//   [--http-port 80] [--https-port 8443] [--state-dir DIR] [--install-unknown] [--no-dhcp]
//   [--kernel-args "..."] [--check]
// openve-install serve --status [--json] [--state-dir DIR]
// Network installs of many machines: dnsmasq (proxy-DHCP, or full DHCP with --dhcp-range) + TFTP
// of Debian's iPXE, HTTP of the boot files straight out of the ISO, HTTPS of per-machine answers
// and progress (README: provision/fleet/README.md).
import { selfSignedArgv } from '../../lib/net/selfsigned.ts';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { chmod, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseCommandArgs } from '../../lib/args.ts';
import { UserError, formatIssue, type Issue } from '../../lib/errors.ts';
import { createRunner, type CommandRunner } from '../../lib/exec/index.ts';
import { certFingerprint } from '../../lib/net/pinned.ts';
import { parseJson } from '../../contracts/json.ts';
import { fleetStateSchema, type FleetState } from '../../contracts/fleet.ts';
import * as z from 'zod';
import { loadAnswerDir, type AnswerSet } from './answers.ts';
import { dnsmasqConfig, installNetworkUla } from './dnsmasq.ts';
import { Fleet } from './fleet.ts';
import { extentSha256, liveLayers, PAYLOAD_FILES, readIsoExtents } from './iso.ts';
import { initrdPadding, netbootCpio } from './netboot.ts';
import { parseIpv4 } from './ipv4.ts';
import { bootHandler, http, https, listen, secureHandler } from './server.ts';
import { stateJson } from './state-json.ts';
import { statusTable } from './status.ts';

export const DEFAULT_STATE_DIR = '/var/lib/openve/fleet';
export const IPXE_DIR = '/usr/lib/ipxe';
/** state.json is rewritten at most this often while machines report */
const PERSIST_MS = 1000;

const ipAddrSchema = z.array(
  z.object({ addr_info: z.array(z.object({ local: z.string() })).default([]) }),
);
const tokensSchema = z.record(z.string(), z.string().regex(/^[0-9a-f]{48}$/));

const say = (line: string) => process.stderr.write(`openve-install serve: ${line}\n`);

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('serve', args, {
    iso: { type: 'string' },
    answers: { type: 'string' },
    interface: { type: 'string' },
    listen: { type: 'string' },
    'dhcp-range': { type: 'string' },
    'http-port': { type: 'string' },
    'https-port': { type: 'string' },
    'state-dir': { type: 'string' },
    'install-unknown': { type: 'boolean' },
    'no-dhcp': { type: 'boolean' },
    'kernel-args': { type: 'string' },
    check: { type: 'boolean' },
    status: { type: 'boolean' },
    json: { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
  });
  const stateDir = values['state-dir'] ?? DEFAULT_STATE_DIR;
  if (values.status) return printStatus(stateDir, values.json === true);

  const runner = createRunner('real', { timeoutMs: 60_000 });
  const started = Date.now();
  const issues: Issue[] = [];
  if (!values.answers)
    issues.push({ path: '--answers', message: 'required: the directory of answer files' });
  if (!values.check && !values.iso)
    issues.push({ path: '--iso', message: 'required: the openve ISO to serve' });
  if (values.iso && !existsSync(values.iso))
    issues.push({ path: '--iso', message: `${values.iso}: no such file` });
  const port = (name: 'http-port' | 'https-port', dflt: number) => {
    const v = values[name];
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      issues.push({
        path: `--${name}`,
        message: `expected a port 0-65535, got ${JSON.stringify(v)}`,
      });
    return n;
  };
  const httpPort = port('http-port', 80);
  const httpsPort = port('https-port', 8443);
  let dhcpRange: [string, string] | undefined;
  if (values['dhcp-range'] !== undefined) {
    const parts = values['dhcp-range'].split(',');
    if (parts.length !== 2 || parts.some((p) => parseIpv4(p) === null))
      issues.push({
        path: '--dhcp-range',
        message: `expected FIRST,LAST IPv4 addresses (10.88.0.100,10.88.0.199), got ${JSON.stringify(values['dhcp-range'])}`,
      });
    else dhcpRange = [parts[0]!, parts[1]!];
  }
  const dhcp = !values['no-dhcp'] && !values.check;
  if (dhcp && !values.interface)
    issues.push({
      path: '--interface',
      message: 'required for DHCP/TFTP (or --no-dhcp when another server hands out iPXE)',
    });
  if (!values.check && !values.listen && !values.interface)
    issues.push({
      path: '--listen',
      message:
        'give the address to serve on (--listen ADDR) or the interface that has it (--interface IF)',
    });
  if (values.listen !== undefined && parseIpv4(values.listen) === null)
    issues.push({
      path: '--listen',
      message: `expected an IPv4 address, got ${JSON.stringify(values.listen)}`,
    });
  if (issues.length) throw new UserError(issues);

  // answers first: --check stops here
  const hashCache = new Map<string, string>();
  const load = () => loadAnswerDir(values.answers!, (pw) => hashPassword(runner, pw), hashCache);
  let answers = await load();
  reportAnswers(answers, values.answers!);
  if (values.check) return answers.issues.length ? 1 : 0;

  const address = values.listen ?? (await interfaceAddress(runner, values.interface!));
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const extents = await readIsoExtents(runner, values.iso!);
  const layers = liveLayers(extents);
  // the ISO's initrd, then the live-boot component that fetches every layer and checks its sha256
  // (netboot.ts). Hashed after start-up (~220 MB, ~0.5 s quiet): the first machine asks for its
  // initrd seconds after the server is ready, and waits for the hashes if it is earlier.
  const hashStarted = Date.now();
  const initrdTail = Promise.all(
    layers.map(async (name) => ({
      name,
      sha256: await extentSha256(values.iso!, extents.get(`/live/${name}`)!),
    })),
  ).then((digests) => {
    say(`live layers hashed in ${((Date.now() - hashStarted) / 1000).toFixed(2)} s`);
    return Buffer.concat([
      initrdPadding(extents.get('/live/initrd.img')!.size),
      netbootCpio(digests),
    ]);
  });
  initrdTail.catch((err: unknown) => say(`live layers not hashed: ${String(err)}`));
  const fingerprint = await ensureCert(runner, stateDir, address);
  const base = `http://${address}${httpPort === 80 ? '' : `:${httpPort}`}`;
  const secureBase = `https://${address}:${httpsPort}`;

  let dirty = false;
  const fleet = new Fleet(answers, {
    base,
    secureBase,
    fingerprint,
    installUnknown: values['install-unknown'] === true,
    layer: layers[0]!,
    payload: extents.has(PAYLOAD_FILES[0]),
    ...(values['kernel-args'] !== undefined
      ? { kernelExtra: values['kernel-args'].split(/\s+/).filter(Boolean) }
      : {}),
    onChange: () => {
      dirty = true;
    },
  });
  const statePath = path.join(stateDir, 'state.json');
  const tokensPath = path.join(stateDir, 'tokens.json');
  restoreState(fleet, statePath, tokensPath);
  const snapshot = (): FleetState => ({
    server: { pid: process.pid, started, http: base, https: secureBase, fingerprint },
    machines: fleet.list(),
  });
  // state.json: compact, at most once a second and off the request path (a write in flight is never
  // overlapped); tokens.json only when a machine got a new token. The last write at stop is synchronous.
  let tokensWritten = -1;
  let writing: Promise<void> | null = null;
  const persist = () => {
    writeAtomic(statePath, stateJson(snapshot()), 0o644);
    persistTokens();
  };
  const persistTokens = () => {
    const count = fleet.tokenCount();
    if (count === tokensWritten) return;
    writeAtomic(tokensPath, JSON.stringify(fleet.tokenTable()), 0o600);
    tokensWritten = count;
  };
  const persistSoon = () => {
    persistTokens();
    writing = writeAtomicAsync(statePath, stateJson(snapshot()), 0o644)
      .catch((err: unknown) => {
        say(`${statePath} not written: ${err instanceof Error ? err.message : String(err)}`);
      })
      .finally(() => {
        writing = null;
      });
  };
  const log = values.verbose ? say : undefined;

  const plain = http.createServer(
    bootHandler(fleet, { iso: values.iso!, extents, initrdTail, ...(log ? { log } : {}) }),
  );
  const secure = https.createServer(
    {
      cert: readFileSync(path.join(stateDir, 'cert.pem')),
      key: readFileSync(path.join(stateDir, 'key.pem')),
    },
    (req, res) => void secureHandler(fleet, snapshot, log)(req, res),
  );
  await listen(plain, address, httpPort);
  await listen(secure, address, httpsPort);

  let dnsmasqPid: number | null = null;
  // full DHCP: router advertisements + stateless DHCPv6 need an IPv6 prefix on the interface
  const addedUla =
    dhcp && dhcpRange ? await ensureIpv6(runner, values.interface!, address) : undefined;
  if (dhcp)
    dnsmasqPid = await startDnsmasq(runner, stateDir, {
      iface: values.interface!,
      address,
      httpPort,
      ...(dhcpRange ? { dhcpRange } : {}),
    });
  persist();

  const timer = setInterval(() => {
    if (dirty && writing === null) {
      dirty = false;
      persistSoon();
    }
  }, PERSIST_MS);
  let reloading: NodeJS.Timeout | undefined;
  const watcher = watch(values.answers!, () => {
    clearTimeout(reloading);
    reloading = setTimeout(() => {
      void load().then(
        (next) => {
          answers = next;
          fleet.answers = next;
          say(`answers reloaded: ${next.templates.size} valid of ${next.files}`);
          reportAnswers(next, values.answers!);
        },
        (err: unknown) =>
          say(`answers not reloaded: ${err instanceof Error ? err.message : String(err)}`),
      );
    }, 300);
  });

  say(
    `ready in ${((Date.now() - started) / 1000).toFixed(2)} s: boot ${base}/boot.ipxe, answers and status ${secureBase}/ (certificate ${fingerprint}), ` +
      `${answers.templates.size} valid answer files of ${answers.files}, ` +
      (dhcp
        ? `dnsmasq ${dhcpRange ? `DHCP ${dhcpRange.join('-')}` : 'proxy-DHCP'} on ${values.interface}`
        : 'no DHCP (--no-dhcp)'),
  );

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  clearInterval(timer);
  await writing;
  clearTimeout(reloading);
  watcher.close();
  if (dnsmasqPid !== null) stopPid(dnsmasqPid);
  if (addedUla)
    await runner.run(['ip', '-6', 'addr', 'del', addedUla, 'dev', values.interface!], {
      reject: false,
    });
  persist();
  await Promise.all(
    [plain, secure].map(
      (s) =>
        new Promise((r) => {
          s.closeAllConnections();
          s.close(r);
        }),
    ),
  );
  say('stopped');
  return 0;
}

function reportAnswers(answers: AnswerSet, dir: string) {
  for (const issue of answers.issues) process.stderr.write(`${dir}/${formatIssue(issue)}\n`);
}

function printStatus(stateDir: string, json: boolean): number {
  const file = path.join(stateDir, 'state.json');
  if (!existsSync(file))
    throw new UserError({
      path: '--state-dir',
      message: `${file}: no such file (is openve-install serve running with --state-dir ${stateDir}?)`,
    });
  const state = parseJson(fleetStateSchema, readFileSync(file, 'utf8'), file);
  process.stdout.write(
    json ? `${JSON.stringify(state, null, 2)}\n` : statusTable(state, Date.now()),
  );
  return 0;
}

function restoreState(fleet: Fleet, statePath: string, tokensPath: string) {
  if (!existsSync(statePath) || !existsSync(tokensPath)) return;
  try {
    const state = parseJson(fleetStateSchema, readFileSync(statePath, 'utf8'), statePath);
    const tokens = parseJson(tokensSchema, readFileSync(tokensPath, 'utf8'), tokensPath);
    fleet.restore(state.machines, tokens);
  } catch (err) {
    say(`previous state not restored: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function writeAtomicAsync(file: string, text: string, mode: number) {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, text, { mode });
  await chmod(tmp, mode);
  await rename(tmp, file);
}

function writeAtomic(file: string, text: string, mode: number) {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

async function hashPassword(runner: CommandRunner, password: string): Promise<string> {
  const r = await runner.run(['openssl', 'passwd', '-6', '-stdin'], {
    input: `${password}\n`,
    redact: [password],
    quietOutput: true,
  });
  return r.stdout.trim();
}

async function interfaceAddress(runner: CommandRunner, iface: string): Promise<string> {
  const r = await runner.run(['ip', '-j', '-4', 'addr', 'show', 'dev', iface], { reject: false });
  let addr: string | undefined;
  try {
    if (r.exitCode === 0)
      addr = parseJson(ipAddrSchema, r.stdout || '[]', 'ip -j addr')[0]?.addr_info[0]?.local;
  } catch {
    addr = undefined;
  }
  if (!addr)
    throw new UserError({
      path: '--interface',
      message: `${iface}: no such interface, or it has no IPv4 address (give one with --listen)`,
    });
  return addr;
}

const ip6AddrSchema = z.array(
  z.object({ addr_info: z.array(z.looseObject({ local: z.string().optional() })).default([]) }),
);

/** The interface's global IPv6 address, or one it is given (returned, removed at stop); undefined
 * when it has one already or IPv6 is off on it (then: no router advertisements, said so). */
async function ensureIpv6(
  runner: CommandRunner,
  iface: string,
  ipv4: string,
): Promise<string | undefined> {
  const r = await runner.run(['ip', '-j', '-6', 'addr', 'show', 'dev', iface, 'scope', 'global'], {
    reject: false,
  });
  let has: boolean;
  try {
    has =
      r.exitCode === 0 &&
      parseJson(ip6AddrSchema, r.stdout || '[]', 'ip -j -6 addr').some((l) =>
        l.addr_info.some((a) => a.local !== undefined),
      );
  } catch {
    has = false;
  }
  if (has) return undefined;
  const ula = installNetworkUla(ipv4);
  const add = await runner.run(['ip', '-6', 'addr', 'add', ula, 'dev', iface, 'nodad'], {
    reject: false,
  });
  if (add.exitCode !== 0) {
    say(
      `${iface}: no IPv6 address and ${ula} not added (${(add.stderr || add.stdout).trim()}): no IPv6 router advertisements (iPXE then waits ~13 s for them)`,
    );
    return undefined;
  }
  say(`${iface}: added ${ula} for IPv6 router advertisements (removed at stop)`);
  return ula;
}

async function ensureCert(runner: CommandRunner, dir: string, address: string): Promise<string> {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  if (!existsSync(cert) || !existsSync(key)) {
    await runner.run(
      selfSignedArgv({
        keyFile: key,
        certFile: cert,
        subject: '/CN=openve fleet/O=openve',
        subjectAltName: `IP:${address}`,
        days: 3650,
      }),
    );
    chmodSync(key, 0o600);
  }
  return certFingerprint(readFileSync(cert));
}

async function startDnsmasq(
  runner: CommandRunner,
  stateDir: string,
  o: { iface: string; address: string; httpPort: number; dhcpRange?: [string, string] },
): Promise<number> {
  if (
    !existsSync(path.join(IPXE_DIR, 'undionly.kpxe')) ||
    !existsSync(path.join(IPXE_DIR, 'ipxe.efi'))
  )
    throw new Error(`${IPXE_DIR}/undionly.kpxe or ipxe.efi missing: apt-get install ipxe`);
  const pidFile = path.join(stateDir, 'dnsmasq.pid');
  const conf = path.join(stateDir, 'dnsmasq.conf');
  if (existsSync(pidFile)) stopStale(Number(readFileSync(pidFile, 'utf8').trim()), conf);
  writeFileSync(
    conf,
    dnsmasqConfig({
      interface: o.iface,
      address: o.address,
      httpPort: o.httpPort,
      ...(o.dhcpRange ? { dhcpRange: o.dhcpRange } : {}),
      tftpRoot: IPXE_DIR,
      pidFile,
      logFile: path.join(stateDir, 'dnsmasq.log'),
      leaseFile: path.join(stateDir, 'dnsmasq.leases'),
    }),
  );
  // dnsmasq checks its configuration and binds before it forks: exit 0 means it is serving
  const r = await runner.run(['dnsmasq', `--conf-file=${conf}`, '--user=root'], { reject: false });
  if (r.exitCode !== 0)
    throw new Error(
      `dnsmasq did not start (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`,
    );
  return Number(readFileSync(pidFile, 'utf8').trim());
}

/** A dnsmasq left by an earlier serve with this state directory (never another process reusing its pid). */
function stopStale(pid: number, conf: string) {
  try {
    if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(`--conf-file=${conf}`))
      stopPid(pid);
  } catch {
    // not running
  }
}

function stopPid(pid: number) {
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}
