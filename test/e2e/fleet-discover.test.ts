// The fleet in CI (issue 15), sized for it: `openve-install serve` (full DHCP, real dnsmasq) in a
// network namespace with its own bridge; a QEMU guest (TCG, SeaBIOS, QEMU's iPXE NIC ROM) whose
// MAC matches no answer PXE-boots from it: iPXE gets its script, the live system comes up from the
// ISO fetched over HTTP, posts its facts (CPU, memory, disks) to its answer URL over pinned HTTPS,
// is refused, and is listed as discovered; nothing is installed (its disk stays blank). The full
// install is fleet-pxe.test.ts, behind OPENVE_E2E_FLEET=1 (~40 min under TCG).
//   OPENVE_E2E_FLEET_DISCOVER=1 [OPENVE_FLEET_ISO=ISO] npx vitest run --project e2e test/e2e/fleet-discover.test.ts
// (not in the default set yet: no run on a quiet machine has measured it; see provision/fleet/README.md)
// The ISO is the plain one (no answer) built from the shared stage cache, as the interactive e2e
// does. Times go to test-results/e2e/fleet-discover/result.json.
import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { realRunner } from '../../lib/exec/runner.ts';
import { parseJson } from '../../contracts/json.ts';
import { fleetStateSchema, type MachineState } from '../../contracts/fleet.ts';
import { TEMPLATE } from '../unit/fleet/template.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const runnable =
  process.env.OPENVE_E2E_FLEET_DISCOVER === '1' &&
  process.getuid?.() === 0 &&
  existsSync('/usr/bin/qemu-system-x86_64') &&
  existsSync('/usr/sbin/dnsmasq') &&
  existsSync('/usr/lib/ipxe/undionly.kpxe');
const runner = realRunner();
const NS = `fl-d${process.pid % 100000}`;
const MAC = '52:54:00:fe:02:01'; // no answer matches it
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
    const disk = path.join(dir, 'disk.qcow2');
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
    try {
      await sh(['ip', 'netns', 'add', NS]);
      await sh(['ip', '-n', NS, 'link', 'set', 'lo', 'up']);
      await sh(['ip', '-n', NS, 'link', 'add', 'fl-dbr0', 'type', 'bridge', 'stp_state', '0']);
      await sh(['ip', '-n', NS, 'link', 'set', 'fl-dbr0', 'type', 'bridge', 'forward_delay', '0']);
      await sh(['ip', '-n', NS, 'addr', 'add', '10.88.10.1/24', 'dev', 'fl-dbr0']);
      await sh(['ip', '-n', NS, 'link', 'set', 'fl-dbr0', 'up']);
      await sh(['ip', '-n', NS, 'tuntap', 'add', 'dev', 'fl-dtap0', 'mode', 'tap']);
      await sh(['ip', '-n', NS, 'link', 'set', 'fl-dtap0', 'master', 'fl-dbr0']);
      await sh(['ip', '-n', NS, 'link', 'set', 'fl-dtap0', 'up']);
      await sh(['qemu-img', 'create', '-q', '-f', 'qcow2', disk, '8G']);
      const blank = parseJson(
        z.looseObject({ 'actual-size': z.number() }),
        (await sh(['qemu-img', 'info', '--output=json', disk])).stdout,
        'qemu-img info',
      )['actual-size'];

      const server = start(
        [
          'ip',
          'netns',
          'exec',
          NS,
          process.execPath,
          path.join(REPO, 'bin/openve-install.js'),
          'serve',
          '--iso',
          iso,
          '--answers',
          path.join(dir, 'answers'),
          '--interface',
          'fl-dbr0',
          '--dhcp-range',
          '10.88.10.100,10.88.10.150',
          '--state-dir',
          path.join(dir, 'state'),
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
      const serial = path.join(dir, 'serial.log');
      const t0 = Date.now();
      const qemu = start(
        [
          'ip',
          'netns',
          'exec',
          NS,
          'qemu-system-x86_64',
          '-accel',
          'tcg,thread=multi',
          '-smp',
          '2',
          '-m',
          '3072',
          '-display',
          'none',
          '-monitor',
          'none',
          '-serial',
          `file:${serial}`,
          '-netdev',
          'tap,id=n0,ifname=fl-dtap0,script=no,downscript=no',
          '-device',
          `virtio-net-pci,netdev=n0,mac=${MAC},bootindex=1`,
          '-drive',
          `file=${disk},if=none,id=d0,format=qcow2`,
          '-device',
          'virtio-blk-pci,drive=d0,bootindex=2',
        ],
        'qemu.log',
      );
      const machine = (): MachineState | undefined => {
        const file = path.join(dir, 'state', 'state.json');
        if (!existsSync(file)) return undefined;
        try {
          return parseJson(fleetStateSchema, readFileSync(file, 'utf8'), file).machines.find(
            (m) => m.mac === MAC,
          );
        } catch {
          return undefined; // between writes
        }
      };
      const serialText = () => (existsSync(serial) ? readFileSync(serial, 'utf8') : '');
      const mark = (name: string, cond: boolean) => {
        if (cond && figures[name] === undefined) {
          figures[name] = Math.round((Date.now() - t0) / 100) / 10;
          log(`${name} at ${figures[name]} s`);
        }
      };
      let m: MachineState | undefined;
      for (;;) {
        if (qemu.exitCode !== null) throw new Error(`qemu exited: ${output.get(qemu)}`);
        if (Date.now() - t0 > LIMIT_MS)
          throw new Error(
            `not discovered after ${LIMIT_MS / 60000} min; state ${JSON.stringify(m)}; serial:\n${serialText().slice(-3000)}`,
          );
        m = machine();
        mark('bootScript', m !== undefined);
        mark('kernel', /Linux version/.test(serialText()));
        mark('liveStarted', /OPENVE-LIVE: unattended install starting/.test(serialText()));
        // the live system's facts arrive with its answer request
        if (m?.phase === 'discovered' && m.facts.cpuModel !== undefined) break;
        await sleep(1000);
      }
      mark('discovered', true);
      // give it time to do something it must not: it has been refused, so nothing is written
      await sleep(10_000);
      const after = machine()!;
      qemu.kill('SIGTERM');
      await new Promise((r) => (qemu.exitCode === null ? qemu.once('exit', r) : r(null)));
      const status = await runner.run([
        process.execPath,
        path.join(REPO, 'bin/openve-install.js'),
        'serve',
        '--status',
        '--state-dir',
        path.join(dir, 'state'),
      ]);
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
      writeFileSync(path.join(dir, 'result.json'), JSON.stringify(figures, null, 2));
      log(JSON.stringify(figures));

      expect(after).toMatchObject({ phase: 'discovered' });
      expect(after.reason).toContain('no rule matches');
      expect(after.times.booting).toBeDefined();
      expect(after.times.installer).toBeUndefined();
      expect(after.times.installing).toBeUndefined();
      expect(after.events).toBe(0);
      expect(after.answer).toBeUndefined();
      expect(after.facts).toMatchObject({ mac: MAC, firmware: 'bios' });
      expect(after.facts.cpuModel).toBeTruthy();
      expect(after.facts.memoryBytes).toBeGreaterThan(2 * 2 ** 30);
      expect(after.facts.disks?.map((d) => d.sizeBytes)).toContain(8 * 2 ** 30);
      expect(status.stdout).toMatch(new RegExp(`${MAC}\\s+discovered`));
      expect(serialText()).toContain('no valid answer file found');
      // not installed: the disk is as created (nothing written to it)
      const size = async () =>
        parseJson(
          z.looseObject({ 'actual-size': z.number() }),
          (await sh(['qemu-img', 'info', '--output=json', disk])).stdout,
          'qemu-img info',
        )['actual-size'];
      expect(await size()).toBe(blank);
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      await sleep(500);
      const pidFile = path.join(dir, 'state', 'dnsmasq.pid');
      if (existsSync(pidFile)) {
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
        } catch {
          // stopped by serve
        }
      }
      await runner.run(['ip', 'netns', 'del', NS], { reject: false });
      rmSync(disk, { force: true });
      if (!process.env.OPENVE_FLEET_ISO) rmSync(path.join(dir, 'openve.iso'), { force: true });
    }
  });
});
