// The fleet in CI (issue 15), sized for it: `openve-install serve -v` (full DHCP, real dnsmasq) in a
// network namespace with its own bridge; two QEMU guests at once whose MACs match no answer
// PXE-boot from it, one BIOS (SeaBIOS, QEMU's iPXE NIC ROM) and one UEFI (OVMF's own PXE, no NIC
// ROM: ipxe.efi by TFTP): dnsmasq leases them addresses (and advertises the IPv6 prefix serve gave
// the bridge) and hands iPXE the boot script; iPXE fetches its script, kernel and initrd over HTTP;
// the live system fetches the ISO (both squashfs layers) over HTTP, posts its facts (CPU, memory,
// disks) to its answer URL over pinned HTTPS, is refused, and is listed as discovered with its
// firmware (`serve --status --json`); nothing is installed (its disk stays blank). The full install
// is fleet-pxe.test.ts, behind OPENVE_E2E_FLEET=1 (~40 min under TCG). scripts/test.sh runs this
// one by default (OPENVE_E2E_FLEET_DISCOVER=0 leaves it out).
//   OPENVE_E2E_FLEET_DISCOVER=1 [OPENVE_FLEET_ISO=ISO] npx vitest run --project e2e test/e2e/fleet-discover.test.ts
// QEMU runs with `-accel tcg,thread=single`: under multi-threaded TCG the guest kernel Oopsed
// (`int3` in sched_clock_tick, text patching) in one of two runs at load 17.
// The ISO is the plain one (no answer) built from the shared stage cache, as the interactive e2e
// does. Times go to test-results/e2e/fleet-discover/result.json.
import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { realRunner } from '../../lib/exec/runner.ts';
import { parseJson } from '../../contracts/json.ts';
import { fleetStateSchema, type MachineState } from '../../contracts/fleet.ts';
import { TEMPLATE } from '../unit/fleet/template.ts';
import {
  CONSOLE_ARGS,
  frozenGuest,
  OVMF_CODE,
  OVMF_VARS,
  pxeQemuArgv,
  TCG_KERNEL_ARGS,
} from './lib/pxe.mjs';
import { qcow2ActualSize } from './lib/disk.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const runnable =
  process.env.OPENVE_E2E_FLEET_DISCOVER === '1' &&
  process.getuid?.() === 0 &&
  existsSync('/usr/bin/qemu-system-x86_64') &&
  existsSync('/usr/sbin/dnsmasq') &&
  existsSync('/usr/lib/ipxe/undionly.kpxe') &&
  existsSync(OVMF_CODE);
const runner = realRunner();
const NS = `fl-d${process.pid % 100000}`;
// serve's ULA for an interface with no IPv6 address, named by its IPv4 10.88.10.1
const ULA = 'fd6f:7665:a58:a01::1';
interface Guest {
  firmware: 'bios' | 'uefi';
  mac: string; // no answer matches it
  tap: string;
  disk: string;
  blank: number;
  serial: string;
}
const guest = (firmware: Guest['firmware'], mac: string, tap: string): Guest => ({
  firmware,
  mac,
  tap,
  disk: '',
  blank: 0,
  serial: '',
});
// at once: SeaBIOS with QEMU's iPXE NIC ROM, and OVMF's own PXE (ipxe.efi by TFTP)
const GUESTS: Guest[] = [
  guest('bios', '52:54:00:fe:02:01', 'fl-dtap0'),
  guest('uefi', '52:54:00:fe:02:02', 'fl-dtap1'),
];
const KNOWN = '52:54:00:fe:02:99'; // the only machine with an answer
// on a quiet machine ~100 s to the live installer (docs FLEET.md); at load average 17 one run was
// still in the live system's systemd start after 15 min (a failure bound, not the expected time)
const LIMIT_MS = 25 * 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!runnable)('e2e: an unknown machine PXE-boots and is listed as discovered', () => {
  it('boots the live system over the network, reports its facts, is discovered and not installed', async () => {
    const dir = path.join(REPO, 'test-results/e2e/fleet-discover');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(path.join(dir, 'answers'), { recursive: true });
    const log = (l: string) => process.stderr.write(`[fleet-discover] ${l}\n`);
    const figures: Record<string, number> = {};
    let iso = process.env.OPENVE_FLEET_ISO;
    if (!iso) {
      iso = path.join(dir, 'openve.iso');
      const t = Date.now();
      await runner.run(
        [process.execPath, path.join(REPO, 'bin/openve-install.js'), 'build-iso', '--out', iso],
        { cwd: REPO, timeoutMs: 60 * 60_000 },
      );
      figures.isoBuild = Math.round((Date.now() - t) / 100) / 10;
      log(`ISO built in ${figures.isoBuild} s`);
    }
    writeFileSync(path.join(dir, 'answers', `mac-${KNOWN.replace(/:/g, '')}.toml`), TEMPLATE);
    writeFileSync(
      path.join(dir, 'answers', 'fleet.toml'),
      '[pool]\naddresses = "10.88.10.20-10.88.10.29"\ngateway = "10.88.10.1"\ndns = "10.88.10.1"\n',
    );
    const children: ChildProcess[] = [];
    const output = new Map<ChildProcess, string>();
    const start = (argv: string[], file: string) => {
      const c = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      output.set(c, '');
      const add = (d: Buffer) => output.set(c, output.get(c)! + d.toString());
      c.stdout!.on('data', add);
      c.stderr!.on('data', add);
      c.on('exit', () => writeFileSync(path.join(dir, file), output.get(c)!));
      children.push(c);
      return c;
    };
    const sh = (argv: string[]) => runner.run(argv);
    const stateDir = path.join(dir, 'state');
    try {
      await sh(['ip', 'netns', 'add', NS]);
      await sh(['ip', '-n', NS, 'link', 'set', 'lo', 'up']);
      await sh(['ip', '-n', NS, 'link', 'add', 'fl-dbr0', 'type', 'bridge', 'stp_state', '0']);
      await sh(['ip', '-n', NS, 'link', 'set', 'fl-dbr0', 'type', 'bridge', 'forward_delay', '0']);
      await sh(['ip', '-n', NS, 'addr', 'add', '10.88.10.1/24', 'dev', 'fl-dbr0']);
      await sh(['ip', '-n', NS, 'link', 'set', 'fl-dbr0', 'up']);
      for (const g of GUESTS) {
        await sh(['ip', '-n', NS, 'tuntap', 'add', 'dev', g.tap, 'mode', 'tap']);
        await sh(['ip', '-n', NS, 'link', 'set', g.tap, 'master', 'fl-dbr0']);
        await sh(['ip', '-n', NS, 'link', 'set', g.tap, 'up']);
        g.disk = path.join(dir, `disk-${g.firmware}.qcow2`);
        await sh(['qemu-img', 'create', '-q', '-f', 'qcow2', g.disk, '8G']);
        g.blank = await qcow2ActualSize(g.disk);
      }

      const server = start(
        [
          'ip',
          'netns',
          'exec',
          NS,
          process.execPath,
          path.join(REPO, 'bin/openve-install.js'),
          'serve',
          '-v',
          // no_timer_check: a loaded TCG host panicked a guest kernel in its IO-APIC timer check
          '--kernel-args',
          `${CONSOLE_ARGS} ${TCG_KERNEL_ARGS}`,
          '--iso',
          iso,
          '--answers',
          path.join(dir, 'answers'),
          '--interface',
          'fl-dbr0',
          '--dhcp-range',
          '10.88.10.100,10.88.10.150',
          '--state-dir',
          stateDir,
        ],
        'serve.log',
      );
      const serveStarted = Date.now();
      while (!output.get(server)!.includes(' ready in ')) {
        if (server.exitCode !== null) throw new Error(`serve exited: ${output.get(server)}`);
        if (Date.now() - serveStarted > 60_000)
          throw new Error(`serve not ready: ${output.get(server)}`);
        await sleep(200);
      }
      const t0 = Date.now();
      const qemus = GUESTS.map((g) => {
        g.serial = path.join(dir, `serial-${g.firmware}.log`);
        const vars = path.join(dir, 'OVMF_VARS.fd');
        if (g.firmware === 'uefi') copyFileSync(OVMF_VARS, vars);
        return start(
          pxeQemuArgv({
            name: `fl-discover-${g.firmware}`,
            ns: NS,
            tap: g.tap,
            mac: g.mac,
            serial: g.serial,
            firmware: g.firmware,
            disk: g.disk,
            ...(g.firmware === 'uefi' ? { vars } : {}),
          }),
          `qemu-${g.firmware}.log`,
        );
      });
      const machines = (): MachineState[] => {
        const file = path.join(stateDir, 'state.json');
        if (!existsSync(file)) return [];
        try {
          return parseJson(fleetStateSchema, readFileSync(file, 'utf8'), file).machines;
        } catch {
          return []; // between writes
        }
      };
      const serialText = (g: Guest) => (existsSync(g.serial) ? readFileSync(g.serial, 'utf8') : '');
      const mark = (name: string, cond: boolean) => {
        if (cond && figures[name] === undefined) {
          figures[name] = Math.round((Date.now() - t0) / 100) / 10;
          log(`${name} at ${figures[name]} s`);
        }
      };
      const found = (g: Guest, ms: MachineState[]) => ms.find((m) => m.mac === g.mac);
      for (;;) {
        qemus.forEach((q, i) => {
          if (q.exitCode !== null)
            throw new Error(`qemu (${GUESTS[i]!.firmware}) exited: ${output.get(q)}`);
        });
        const ms = machines();
        if (Date.now() - t0 > LIMIT_MS)
          throw new Error(
            `not all discovered after ${LIMIT_MS / 60000} min; state ${JSON.stringify(ms)}; serial:\n` +
              GUESTS.map((g) => `--- ${g.firmware}\n${serialText(g).slice(-3000)}`).join('\n'),
          );
        for (const g of GUESTS) {
          // a guest that cannot go on fails the test now, not at the limit
          const dead = frozenGuest(serialText(g));
          if (dead) throw new Error(`${g.firmware} guest: ${dead}:\n${serialText(g).slice(-3000)}`);
          const m = found(g, ms);
          mark(`${g.firmware}.bootScript`, m !== undefined);
          mark(`${g.firmware}.kernel`, /Linux version/.test(serialText(g)));
          mark(
            `${g.firmware}.liveStarted`,
            /OPENVE-LIVE: unattended install starting/.test(serialText(g)),
          );
          // the live system's facts arrive with its answer request
          mark(
            `${g.firmware}.discovered`,
            m?.phase === 'discovered' && m.facts.cpuModel !== undefined,
          );
        }
        if (GUESTS.every((g) => figures[`${g.firmware}.discovered`] !== undefined)) break;
        await sleep(1000);
      }
      // give them time to do something they must not: refused, so nothing is written
      await sleep(10_000);
      for (const q of qemus) {
        q.kill('SIGTERM');
        await new Promise((r) => (q.exitCode === null ? q.once('exit', r) : r(null)));
      }
      const cli = (json: boolean) =>
        runner.run([
          process.execPath,
          path.join(REPO, 'bin/openve-install.js'),
          'serve',
          '--status',
          ...(json ? ['--json'] : []),
          '--state-dir',
          stateDir,
        ]);
      const table = (await cli(false)).stdout;
      const status = parseJson(fleetStateSchema, (await cli(true)).stdout, 'serve --status --json');
      server.kill('SIGTERM');
      await new Promise((r) => (server.exitCode === null ? server.once('exit', r) : r(null)));
      writeFileSync(path.join(dir, 'result.json'), JSON.stringify(figures, null, 2));
      log(JSON.stringify(figures));
      const serveLog = output.get(server)!;
      const dnsmasqLog = readFileSync(path.join(stateDir, 'dnsmasq.log'), 'utf8');
      const leases = readFileSync(path.join(stateDir, 'dnsmasq.leases'), 'utf8');

      // IPv6 on the install network: serve gave the bridge a ULA (it had none), dnsmasq advertised
      // its prefix (router advertisements + stateless DHCPv6: iPXE does not wait ~13 s for them)
      expect(serveLog).toContain(`fl-dbr0: added ${ULA}/64`);
      expect(dnsmasqLog).toContain('DHCPv6 stateless on fl-dbr0');
      expect(dnsmasqLog).toContain(`RTR-ADVERT(fl-dbr0) ${ULA.replace(/1$/, '')}`);
      for (const g of GUESTS) {
        const after = status.machines.find((m) => m.mac === g.mac);
        expect(after, g.firmware).toMatchObject({ phase: 'discovered' });
        expect(after!.reason).toContain('no rule matches');
        expect(after!.times.booting).toBeDefined();
        expect(after!.times.installer).toBeUndefined();
        expect(after!.times.installing).toBeUndefined();
        expect(after!.events).toBe(0);
        expect(after!.answer).toBeUndefined();
        expect(after!.facts).toMatchObject({ mac: g.mac, firmware: g.firmware });
        expect(after!.facts.cpuModel).toBeTruthy();
        expect(after!.facts.memoryBytes).toBeGreaterThan(2 * 2 ** 30);
        expect(after!.facts.disks?.map((d) => d.sizeBytes)).toContain(8 * 2 ** 30);
        expect(table).toMatch(new RegExp(`${g.mac}\\s+discovered`));
        // the live system's installer ran (and asked: the POST below), and was refused
        expect(serialText(g)).toMatch(/Started \S*openve-installer\.service/);

        // dnsmasq: the guest got leases on the install network (iPXE, the initramfs and the live
        // system each take one, FLEET.md), and iPXE its boot script
        const ips = [
          ...dnsmasqLog.matchAll(
            new RegExp(`DHCPACK\\(fl-dbr0\\) (10\\.88\\.10\\.\\d+) ${g.mac}`, 'g'),
          ),
        ].map((x) => x[1]!);
        expect(ips.length, `${g.firmware}: DHCPACKs`).toBeGreaterThanOrEqual(2);
        for (const ip of ips) expect(leases).toContain(` ${g.mac} ${ip} `);
        expect(dnsmasqLog).toContain('option: 67 bootfile-name  http://10.88.10.1/boot.ipxe');
        if (g.firmware === 'uefi')
          expect(dnsmasqLog).toMatch(/sent \/usr\/lib\/ipxe\/ipxe\.efi to 10\.88\.10\.\d+/);
        // the HTTP log (serve -v): iPXE's script, kernel and initrd; the initramfs's fetch of both
        // live layers (never the whole ISO); then the live system's answer request over HTTPS
        const fetched = (what: string, proto = 'http') =>
          ips.some((ip) =>
            new RegExp(`${proto} (::ffff:)?${ip.replace(/\./g, '\\.')} ${what}\\n`).test(serveLog),
          );
        for (const f of [
          '/boot.ipxe',
          '/ipxe/machine',
          '/live/vmlinuz',
          '/live/initrd.img',
          '/live/filesystem.squashfs',
          '/live/openve.squashfs',
        ])
          expect(fetched(`GET ${f}`), `${g.firmware}: GET ${f} from ${ips.join('/')}`).toBe(true);
        expect(serveLog).not.toContain('GET /openve.iso');
        expect(
          fetched('POST /answer/…', 'https'),
          `${g.firmware}: POST /answer from ${ips.join('/')}`,
        ).toBe(true);
        // pinned: the kernel command line it was handed carries the server's certificate
        // fingerprint next to the HTTPS answer URL (the installer refuses any other certificate)
        expect(serialText(g)).toContain(`openve.answer=https://10.88.10.1:8443/answer/`);
        expect(serialText(g)).toContain(
          `openve.answer-fingerprint=${status.server.fingerprint.replace(/:/g, '')}`,
        );
        // not installed: the disk is as created (nothing written to it)
        expect(await qcow2ActualSize(g.disk)).toBe(g.blank);
      }
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      await sleep(500);
      const pidFile = path.join(stateDir, 'dnsmasq.pid');
      if (existsSync(pidFile)) {
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
        } catch {
          // stopped by serve
        }
      }
      await runner.run(['ip', 'netns', 'del', NS], { reject: false });
      for (const g of GUESTS) if (g.disk) rmSync(g.disk, { force: true });
      if (!process.env.OPENVE_FLEET_ISO) rmSync(path.join(dir, 'openve.iso'), { force: true });
    }
  });
});
