#!/usr/bin/env node
// Budget of issue 15: PXE boot to the installer's start in QEMU TCG within 1.2x of booting the ISO
// as a CD, same run. Two rounds; in each, a PXE guest and a CD guest boot at the same time (same
// load), with the same QEMU settings (TCG thread=single, -smp 2, 3 GiB, SeaBIOS):
//   1. "as shipped" (the budget's wording): the ISO with an answer on it (prepare-iso) booted as a
//      CD through the firmware and its GRUB menu (the unattended entry, chosen after its 3 s), against
//      a machine booting `openve-install serve` with its default kernel arguments, which match
//      that entry's (quiet, consoles);
//   2. "kernel to QEMU" (stricter, the figure of sessions 8-11): the CD guest's kernel and initrd
//      handed to QEMU directly (no firmware boot, no GRUB, no menu wait), both guests with the
//      same non-quiet console arguments and no_timer_check.
// PXE: `openve-install serve --dhcp-range` in a network namespace (bridge fl-bbr0), QEMU's iPXE
// NIC ROM, the live layers fetched over HTTP (no answer matches the guest: the installer starts,
// asks, is refused). Times from QEMU start: kernel (serial "Linux version", non-quiet guests only),
// installer ("OPENVE-LIVE: unattended install starting"). The PXE guest's time checking its live
// layers' sha256 (netboot.ts) is reported beside (layerSha256Seconds): included in its installer
// time, as on any network install. A guest whose kernel panics or freezes stops the run.
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
const marks = { kernel: /Linux version/, installer: /OPENVE-LIVE: unattended install starting/ };

/** serve in the namespace (kernel arguments: its defaults, or these), until it says it is ready */
async function startServe(kernelArgs) {
  let out = '';
  const serve = spawn('ip', [
    ...['netns', 'exec', NS, process.execPath, path.join(root, 'bin/openve-install.js')],
    ...['serve', '--iso', iso, '--answers', path.join(dir, 'answers')],
    ...['--interface', 'fl-bbr0', '--dhcp-range', '10.88.12.100,10.88.12.150'],
    ...['--state-dir', path.join(dir, 'state')],
    ...(kernelArgs ? ['--kernel-args', kernelArgs] : []),
  ]);
  children.push(serve);
  serve.stderr.on('data', (d) => (out += d));
  const t = Date.now();
  while (!out.includes(' ready in ')) {
    if (serve.exitCode !== null || Date.now() - t > 60_000)
      throw new Error(`serve not ready: ${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return serve;
}

async function stop(procs) {
  for (const c of procs) if (c.exitCode === null) c.kill('SIGTERM');
  const t = Date.now();
  while (procs.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() - t < 5000)
    await new Promise((r) => setTimeout(r, 100));
  for (const c of procs) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/** One round: serve, then both guests at once, until both reach the installer. */
async function race(name, { serveArgs, cd }) {
  const serve = await startServe(serveArgs);
  const guests = {
    cd: [
      'qemu-system-x86_64',
      ...qemuCommon(`${dir}/${name}-cd.serial`, `fleet-bench-cd-${name}`),
      ...cd,
    ],
    pxe: pxeQemuArgv({
      name: `fleet-bench-pxe-${name}`,
      ns: NS,
      tap: 'fl-btap0',
      mac: '52:54:00:fe:12:01',
      serial: `${dir}/${name}-pxe.serial`,
      firmware: 'bios',
    }),
  };
  const t0 = Date.now();
  const times = { cd: {}, pxe: {} };
  const procs = Object.values(guests).map((argv) =>
    spawn(argv[0], argv.slice(1), { stdio: 'ignore' }),
  );
  children.push(...procs);
  try {
    while (!(times.cd.installer && times.pxe.installer)) {
      if (Date.now() - t0 > LIMIT_MS)
        throw new Error(
          `${name}: not both started after ${LIMIT_MS / 1000} s (so far: ${JSON.stringify(times)}, load ${os.loadavg().map(round).join(' ')})`,
        );
      for (const g of ['cd', 'pxe']) {
        const f = `${dir}/${name}-${g}.serial`;
        const text = existsSync(f) ? readFileSync(f, 'utf8') : '';
        // a guest that cannot go on: say so now, not at the limit
        const dead = frozenGuest(text);
        if (dead)
          throw new Error(
            `${name} ${g} guest: ${dead}; its serial output's end:\n${text.slice(-4000)}`,
          );
        for (const [m, re] of Object.entries(marks))
          if (times[g][m] === undefined && re.test(text))
            times[g][m] = round((Date.now() - t0) / 1000);
      }
      if (interrupted) throw new Error('interrupted');
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await stop([...procs, serve]);
  }
  // the PXE guest's initramfs checking each live layer's sha256 (busybox under TCG: seconds)
  const pxeSerial = readFileSync(`${dir}/${name}-pxe.serial`, 'utf8');
  times.pxe.layerSha256Seconds = [
    ...pxeSerial.matchAll(/sha256 checked \(([\d.]+) -> ([\d.]+) s after boot\)/g),
  ].map((x) => round(Number(x[2]) - Number(x[1])));
  return {
    ...times,
    ratio: Math.round((times.pxe.installer / times.cd.installer) * 100) / 100,
    loadavgEnd: os.loadavg().map(round),
  };
}

try {
  sh(['xorriso', '-osirrox', 'on', '-indev', iso, '-extract', '/live/vmlinuz', `${dir}/vmlinuz`]);
  sh(['xorriso', '-osirrox', 'on', '-indev', iso, '-extract', '/live/initrd.img', `${dir}/initrd`]);
  mkdirSync(path.join(dir, 'answers'));
  writeFileSync(path.join(dir, 'answers', 'fleet.toml'), '[pool]\n');
  // the CD an operator burns for an unattended install: the answer on the medium (GRUB then
  // defaults to the unattended entry after 3 s); the guest has no disk, so that install stops
  // right after it starts, as the PXE guest's does (no answer matches it)
  sh([
    process.execPath,
    ...[path.join(root, 'bin/openve-install.js'), 'prepare-iso', '--in', iso],
    ...['--answer', path.join(root, 'examples/answer.toml'), '--out', `${dir}/cd.iso`],
    ...['--on-first-boot', path.join(root, 'examples/first-boot.sh')],
  ]);
  for (const argv of installNetworkCommands({
    ns: NS,
    bridge: 'fl-bbr0',
    address: '10.88.12.1/24',
    taps: ['fl-btap0'],
  }))
    sh(argv);
  const nic = ['-nic', 'user,model=virtio-net-pci'];
  result.asShipped = await race('shipped', {
    serveArgs: null,
    cd: ['-drive', `file=${dir}/cd.iso,media=cdrom,readonly=on`, '-boot', 'd', ...nic],
  });
  result.kernelToQemu = await race('kernel', {
    // the same kernel arguments as the CD guest (they replace serve's defaults)
    serveArgs: `${CONSOLE_ARGS} ${TCG_KERNEL_ARGS}`,
    cd: [
      ...['-kernel', `${dir}/vmlinuz`, '-initrd', `${dir}/initrd`],
      ...['-append', `boot=live ${CONSOLE_ARGS} ${TCG_KERNEL_ARGS} openve.auto=1`],
      ...['-drive', `file=${iso},media=cdrom,readonly=on`, ...nic],
    ],
  });
  result.ratio = result.asShipped.ratio;
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
