#!/usr/bin/env node
// Budget of issue 15: PXE boot to the installer's start in QEMU TCG within 1.2x of booting the ISO
// as a CD, same run. Both guests boot at the same time (same load), with the same QEMU settings
// (TCG thread=single, -smp 2, 3 GiB) and the same kernel console arguments:
//   - CD: the ISO on a virtual CD, its kernel and initrd given to QEMU directly (no GRUB menu wait,
//     as FLEET.md measured it), live-boot finding the medium on the CD;
//   - PXE: `openve-install serve --dhcp-range` in a network namespace (bridge fl-bbr0), QEMU's iPXE
//     NIC ROM, the ISO fetched over HTTP (no answer matches the guest: the installer starts, asks,
//     is refused).
// Times from QEMU start: kernel (serial "Linux version"), installer ("OPENVE-LIVE: unattended
// install starting"). Root; ISO from OPENVE_FLEET_ISO or argv[2].
// Not measured yet: its one run (2026-12-03, load 15-17) lost the PXE guest (soft lockup at 421 s,
// then systemd "Failed to fork off sandboxing environment: Protocol error", frozen) while the CD
// guest reached the installer after ~11 min; the run stops now at such a guest.
// The PXE guest's time checking its live layers' sha256 (netboot.ts) is reported beside
// (pxe.layerSha256Seconds): included in its installer time, as on any network install.
// usage: OPENVE_FLEET_ISO=openve.iso node bench/fleet-boot.mjs  -> bench/results/fleet-boot.json
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CONSOLE_ARGS,
  frozenGuest,
  installNetworkCommands,
  pxeQemuArgv,
  qemuCommon,
  TCG_KERNEL_ARGS,
} from '../test/e2e/lib/pxe.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const iso = process.argv[2] ?? process.env.OPENVE_FLEET_ISO;
if (!iso || !existsSync(iso)) {
  process.stderr.write('usage: node bench/fleet-boot.mjs ISO (or OPENVE_FLEET_ISO=ISO)\n');
  process.exit(2);
}
const LIMIT_MS = Number(process.env.FLEET_BOOT_LIMIT_S ?? 1800) * 1000;
const NS = `fl-b${process.pid % 100000}`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'fl-boot-'));
const round = (x) => Math.round(x * 10) / 10;
const sh = (argv) => {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
};
const children = [];
// stop the guests, serve (and its dnsmasq) and the namespace on ^C too
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'])
  process.once(sig, () => {
    interrupted = true;
  });
const result = {
  bench: 'fleet-boot',
  iso,
  cpus: os.cpus().length,
  loadavg: os.loadavg().map(round),
  budget: 'PXE / CD time to installer start <= 1.2x',
};
try {
  sh(['xorriso', '-osirrox', 'on', '-indev', iso, '-extract', '/live/vmlinuz', `${dir}/vmlinuz`]);
  sh(['xorriso', '-osirrox', 'on', '-indev', iso, '-extract', '/live/initrd.img', `${dir}/initrd`]);
  mkdirSync(path.join(dir, 'answers'));
  writeFileSync(path.join(dir, 'answers', 'fleet.toml'), '[pool]\n');
  for (const argv of installNetworkCommands({
    ns: NS,
    bridge: 'fl-bbr0',
    address: '10.88.12.1/24',
    taps: ['fl-btap0'],
  }))
    sh(argv);
  let serveOut = '';
  const serve = spawn('ip', [
    ...['netns', 'exec', NS, process.execPath, path.join(root, 'bin/openve-install.js')],
    ...['serve', '--iso', iso, '--answers', path.join(dir, 'answers')],
    ...['--interface', 'fl-bbr0', '--dhcp-range', '10.88.12.100,10.88.12.150'],
    ...['--state-dir', path.join(dir, 'state')],
    // the same kernel arguments as the CD guest (they replace serve's console defaults)
    ...['--kernel-args', `${CONSOLE_ARGS} ${TCG_KERNEL_ARGS}`],
  ]);
  children.push(serve);
  serve.stderr.on('data', (d) => (serveOut += d));
  const t = Date.now();
  while (!serveOut.includes(' ready in ')) {
    if (serve.exitCode !== null || Date.now() - t > 60_000)
      throw new Error(`serve not ready: ${serveOut}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const guests = {
    cd: [
      'qemu-system-x86_64',
      ...qemuCommon(`${dir}/cd.serial`, 'fleet-bench-cd'),
      ...['-kernel', `${dir}/vmlinuz`, '-initrd', `${dir}/initrd`],
      ...['-append', `boot=live ${CONSOLE_ARGS} ${TCG_KERNEL_ARGS} openve.auto=1`],
      ...['-drive', `file=${iso},media=cdrom,readonly=on`, '-nic', 'user,model=virtio-net-pci'],
    ],
    pxe: pxeQemuArgv({
      name: 'fleet-bench-pxe',
      ns: NS,
      tap: 'fl-btap0',
      mac: '52:54:00:fe:12:01',
      serial: `${dir}/pxe.serial`,
      firmware: 'bios',
    }),
  };
  const t0 = Date.now();
  const times = { cd: {}, pxe: {} };
  for (const argv of Object.values(guests)) {
    const c = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
    children.push(c);
  }
  const marks = { kernel: /Linux version/, installer: /OPENVE-LIVE: unattended install starting/ };
  while (!(times.cd.installer && times.pxe.installer)) {
    if (Date.now() - t0 > LIMIT_MS)
      throw new Error(
        `not both started after ${LIMIT_MS / 1000} s (so far: ${JSON.stringify(times)}, load ${os.loadavg().map(round).join(' ')})`,
      );
    for (const name of ['cd', 'pxe']) {
      const f = `${dir}/${name}.serial`;
      const text = existsSync(f) ? readFileSync(f, 'utf8') : '';
      // a guest that cannot go on: say so now, not at the limit
      const dead = frozenGuest(text);
      if (dead)
        throw new Error(`${name} guest: ${dead}; its serial output's end:\n${text.slice(-4000)}`);
      for (const [m, re] of Object.entries(marks))
        if (times[name][m] === undefined && re.test(text))
          times[name][m] = round((Date.now() - t0) / 1000);
    }
    if (interrupted) throw new Error('interrupted');
    await new Promise((r) => setTimeout(r, 500));
  }
  result.cd = times.cd;
  result.pxe = times.pxe;
  // the PXE guest's initramfs checking each live layer's sha256 (busybox under TCG: seconds)
  const pxeSerial = readFileSync(`${dir}/pxe.serial`, 'utf8');
  result.pxe.layerSha256Seconds = [
    ...pxeSerial.matchAll(/sha256 checked \(([\d.]+) -> ([\d.]+) s after boot\)/g),
  ].map((x) => round(Number(x[2]) - Number(x[1])));
  result.ratio = Math.round((times.pxe.installer / times.cd.installer) * 100) / 100;
  result.loadavgEnd = os.loadavg().map(round);
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 2000));
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  spawnSync('ip', ['netns', 'del', NS]);
  rmSync(dir, { recursive: true, force: true });
}
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(
  path.join(root, 'bench/results/fleet-boot.json'),
  JSON.stringify(result, null, 2) + '\n',
);
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
