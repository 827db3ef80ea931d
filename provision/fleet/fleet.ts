// The server's logic without sockets: machines, tokens, matching and answers. server.ts wires it
// to HTTP(S); tests drive it directly.
import { randomBytes } from 'node:crypto';
import type { Issue } from '../../lib/errors.ts';
import type {
  BootedReport,
  MachineFacts,
  MachineState,
  SystemInfo,
} from '../../contracts/fleet.ts';
import type { ProgressEvent } from '../../contracts/progress.ts';
import type { AnswerSet } from './answers.ts';
import { renderAnswer } from './answers.ts';
import { chainScript, machineScript, type MachineBoot } from './ipxe.ts';
import { formatIpv4, parseIpv4 } from './ipv4.ts';
import { machineValues } from './render.ts';
import { allocateAddress, canonicalMac, matchMachine, poolIndex, type Match } from './rules.ts';
import { mergeFacts, newMachine, onAnswer, onBoot, onBooted, onLog, onProgress } from './state.ts';

export interface FleetOptions {
  base: string;
  secureBase: string;
  fingerprint: string;
  installUnknown: boolean;
  /** the ISO's first live layer, fetched by live-boot (netboot.ts fetches the others beside it) */
  layer?: string;
  /** the ISO carries /openve/payload.tar.zst, streamed by the installer */
  payload?: boolean;
  /** kernel parameters replacing the console defaults */
  kernelExtra?: string[];
  now?: () => number;
  onChange?: () => void;
}

export type Reply =
  | { status: 200; type: string; body: string }
  | { status: 400 | 403 | 404 | 409 | 500; errors: Issue[] };

const text = (body: string, type = 'text/plain; charset=utf-8'): Reply => ({
  status: 200,
  type,
  body,
});
const fail = (status: 400 | 403 | 404 | 409 | 500, path: string, message: string): Reply => ({
  status,
  errors: [{ path, message }],
});

const clean = (v: string | null | undefined): string | undefined => {
  const s = (v ?? '').trim();
  return s === '' || /^(0|none|default string|to be filled by o\.e\.m\.|not specified)$/i.test(s)
    ? undefined
    : s.slice(0, 256);
};

/** Pure: the facts iPXE sends with its script request (query string). */
export function factsFromQuery(q: URLSearchParams): MachineFacts | null {
  const mac = canonicalMac(q.get('mac') ?? '');
  if (!mac) return null;
  const f: MachineFacts = { mac, macs: [mac] };
  const uuid = clean(q.get('uuid'));
  if (uuid && !/^0{8}-/.test(uuid)) f.uuid = uuid.toLowerCase();
  const serial = clean(q.get('serial'));
  if (serial) f.serial = serial;
  const manufacturer = clean(q.get('manufacturer'));
  if (manufacturer) f.manufacturer = manufacturer;
  const product = clean(q.get('product'));
  if (product) f.product = product;
  const platform = clean(q.get('platform'));
  if (platform) f.firmware = platform === 'efi' ? 'uefi' : 'bios';
  return f;
}

/** Pure: the facts in the live system's POST to its answer URL. */
export function factsFromSystemInfo(info: SystemInfo): Partial<MachineFacts> {
  const f: Partial<MachineFacts> = {
    macs: info.network_interfaces
      .map((n) => canonicalMac(n.mac))
      .filter((m): m is string => m !== null),
  };
  if (info.cpu) {
    f.cpuVendor = info.cpu.vendor;
    f.cpuModel = info.cpu.model;
    f.cores = info.cpu.cores;
  }
  if (info.memory_bytes !== undefined) f.memoryBytes = info.memory_bytes;
  if (info.firmware !== undefined) f.firmware = info.firmware;
  if (info.disks)
    f.disks = info.disks.map((d) => ({ name: d.name, sizeBytes: d.size_bytes, model: d.model }));
  return f;
}

export class Fleet {
  private answerSet: AnswerSet;
  /** mac -> the answer last served to it and what it was rendered from (re-fetches are common:
   * the installer retries, machines reboot into the installer; rendering re-validates the whole
   * answer file). Emptied when the answer directory is reloaded. */
  private readonly rendered = new Map<string, { key: string; text: string }>();
  readonly machines = new Map<string, MachineState>();
  private readonly tokens = new Map<string, string>(); // token -> mac
  private readonly tokenOf = new Map<string, string>(); // mac -> token
  private readonly now: () => number;
  /** addresses given to machines (pool allocation), and where the next search starts */
  private readonly ipOwner = new Map<string, string>();
  private nextIp: string | undefined;

  constructor(
    answers: AnswerSet,
    private readonly opts: FleetOptions,
  ) {
    this.answerSet = answers;
    this.now = opts.now ?? Date.now;
  }

  get answers(): AnswerSet {
    return this.answerSet;
  }

  set answers(next: AnswerSet) {
    this.answerSet = next;
    this.rendered.clear();
  }

  restore(machines: readonly MachineState[], tokens: Record<string, string>): void {
    for (const m of machines) {
      this.machines.set(m.mac, m);
      if (m.ip !== undefined) this.ipOwner.set(m.ip, m.mac);
    }
    for (const [mac, token] of Object.entries(tokens)) this.setToken(mac, token);
  }

  tokenCount(): number {
    return this.tokenOf.size;
  }

  tokenTable(): Record<string, string> {
    return Object.fromEntries(this.tokenOf);
  }

  private setToken(mac: string, token: string) {
    this.tokens.set(token, mac);
    this.tokenOf.set(mac, token);
  }

  private changed() {
    this.opts.onChange?.();
  }

  match(facts: MachineFacts): Match {
    return matchMachine(this.answers.rules, facts, {
      valid: (a) => this.answers.templates.has(a),
      hasDefault: this.answers.hasDefault,
      installUnknown: this.opts.installUnknown,
    });
  }

  bootScript(): Reply {
    return text(chainScript(this.opts.base));
  }

  /** GET /ipxe/machine?mac=...: the machine's boot script (with its token), or exit to its disk once installed. */
  machineBoot(query: URLSearchParams): Reply {
    const facts = factsFromQuery(query);
    if (!facts)
      return fail(400, 'mac', "expected the booting NIC's MAC address (mac=52:54:00:12:34:56)");
    const now = this.now();
    const known = this.machines.get(facts.mac);
    let m = known ? { ...known, facts: mergeFacts(known.facts, facts) } : newMachine(facts, now);
    if (m.phase === 'finished' || m.phase === 'booted') {
      // installed: boot from its own disk (the next boot device); `serve --reinstall MAC` is not needed
      // to keep a node from being wiped on every reboot with the network first in its boot order
      m = {
        ...m,
        times: { ...m.times },
        updated: now,
        reason: 'installed; sent to its local disk',
      };
      this.machines.set(m.mac, m);
      this.changed();
      return text('#!ipxe\necho openve: installed, booting from the local disk\nexit\n');
    }
    const match = this.match(m.facts);
    m = onBoot(m, now, match.kind === 'none' ? undefined : match.rule.answer);
    if (match.kind === 'none') m = { ...m, reason: match.reason };
    this.machines.set(m.mac, m);
    let token = this.tokenOf.get(m.mac);
    if (!token) {
      token = randomBytes(24).toString('hex');
      this.setToken(m.mac, token);
    }
    this.changed();
    const boot: MachineBoot = {
      base: this.opts.base,
      secureBase: this.opts.secureBase,
      fingerprint: this.opts.fingerprint,
      token,
      layer: this.opts.layer ?? 'filesystem.squashfs',
      payload: this.opts.payload ?? true,
    };
    if (this.opts.kernelExtra) boot.extra = this.opts.kernelExtra;
    return text(machineScript(boot));
  }

  /** tokens are 192 random bits: a map lookup leaks nothing worth timing */
  private byToken(token: string): MachineState | null {
    const mac = this.tokens.get(token);
    return mac === undefined ? null : (this.machines.get(mac) ?? null);
  }

  /** POST /answer/TOKEN with the live system's summary. */
  answer(token: string, info: SystemInfo | null): Reply {
    const m0 = this.byToken(token);
    if (!m0) return fail(403, 'token', 'unknown machine token (boot the machine from this server)');
    const now = this.now();
    let m = info ? { ...m0, facts: mergeFacts(m0.facts, factsFromSystemInfo(info)) } : m0;
    const match = this.match(m.facts);
    if (match.kind === 'none') {
      this.machines.set(m.mac, onAnswer(m, now, { refused: match.reason }));
      this.changed();
      return fail(404, 'answer', `no answer for ${m.mac}: ${match.reason}`);
    }
    const { pool } = this.answers;
    let ip = match.rule.ip ?? m.ip;
    if (ip === undefined && pool.addresses !== undefined) {
      const ruleIps = new Set(this.answers.rules.flatMap((r) => (r.ip ? [r.ip] : [])));
      const taken = { has: (a: string) => this.ipOwner.has(a) || ruleIps.has(a) };
      ip = allocateAddress(pool.addresses, taken, this.nextIp) ?? undefined;
      if (ip !== undefined) this.nextIp = formatIpv4((parseIpv4(ip) ?? 0) + 1);
    }
    const n = ip !== undefined && pool.addresses ? poolIndex(pool.addresses, ip) : null;
    const values = machineValues({
      mac: m.mac,
      ...(match.rule.hostname !== undefined ? { hostname: match.rule.hostname } : {}),
      hostnamePattern: pool.hostname,
      domain: pool.domain,
      ...(ip !== undefined ? { ip } : {}),
      ...(n !== null ? { n } : {}),
      prefix: pool.prefix,
      ...(pool.gateway !== undefined ? { gateway: pool.gateway } : {}),
      ...(pool.dns !== undefined ? { dns: pool.dns } : {}),
    });
    const key = JSON.stringify([match.rule.answer, values]);
    const cached = this.rendered.get(m.mac);
    const rendered =
      cached?.key === key
        ? { ok: true as const, text: cached.text }
        : renderAnswer(this.answers.templates.get(match.rule.answer)!, values, {
            url: `${this.opts.secureBase}/booted`,
            fingerprint: this.opts.fingerprint,
            token: this.tokenOf.get(m.mac)!,
          });
    if (!rendered.ok) {
      const reason = `${match.rule.answer} for ${m.mac}: ${rendered.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`;
      this.machines.set(m.mac, onAnswer(m, now, { refused: reason }));
      this.changed();
      return {
        status: 500,
        errors: rendered.issues.map((i) => ({
          path: `${match.rule.answer}: ${i.path}`,
          message: i.message,
        })),
      };
    }
    m = onAnswer(m, now, {
      answer: match.rule.answer,
      ...(values.hostname !== undefined ? { hostname: values.hostname } : {}),
      ...(ip !== undefined ? { ip } : {}),
    });
    this.machines.set(m.mac, m);
    if (ip !== undefined) this.ipOwner.set(ip, m.mac);
    this.rendered.set(m.mac, { key, text: rendered.text });
    this.changed();
    return text(rendered.text, 'application/toml; charset=utf-8');
  }

  progress(token: string, events: readonly ProgressEvent[]): Reply {
    const m = this.byToken(token);
    if (!m) return fail(403, 'token', 'unknown machine token');
    this.machines.set(m.mac, onProgress(m, events, this.now()));
    this.changed();
    return text(`${events.length}\n`);
  }

  /** POST /booted: the installed node's post-installation webhook, its token in the body. */
  booted(report: BootedReport): Reply {
    const m = this.byToken(report.token);
    if (!m) return fail(403, 'token', 'unknown machine token');
    this.machines.set(m.mac, onBooted(m, report, this.now()));
    this.changed();
    return text('ok\n');
  }

  log(token: string, body: string): Reply {
    const m = this.byToken(token);
    if (!m) return fail(403, 'token', 'unknown machine token');
    this.machines.set(m.mac, onLog(m, body, this.now()));
    this.changed();
    return text('ok\n');
  }

  list(): MachineState[] {
    // canonical MACs (lower-case hex): code-unit order, without localeCompare's cost per comparison
    return [...this.machines.values()].sort((a, b) => (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0));
  }
}
