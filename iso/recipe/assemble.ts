// The fast, uncached part of the ISO build: openve's own files as late layers over the cached
// bases (so a change to installer code rebuilds in seconds), the medium tree, grub-mkrescue.
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import type { CommandRunner } from '../../lib/exec/index.ts';
import { ISO_DIR, MEDIUM, TEMPLATE_DIR, renderGrubEnv, squashfsArgv } from './recipe.ts';

export interface Bundles {
  /** dist/standalone: cli.js (installer), pveca.js, firstboot.js when their entries exist, and the chunks they share */
  dir: string;
}

export interface AssembleInput {
  runner: CommandRunner;
  workDir: string; // scratch, emptied first
  targetBaseDir: string; // holds payload-base.tar.zst
  liveBaseDir: string; // holds filesystem.squashfs, vmlinuz, initrd.img
  /** the container template as a payload layer without end-of-archive (templateBase) */
  templateLayer?: string;
  bundles: Bundles;
  answerFile?: string;
  firstBootHook?: string;
  kernelArgs: string[];
  out: string;
}

/** Payload layer: provision bundles at /usr/lib/openve, pveca wrapper, provision units, ours. */
export function stagePayloadLayer(dir: string, bundles: Bundles): string[] {
  const added: string[] = [];
  cpSync(path.join(ISO_DIR, 'payload-layer'), dir, { recursive: true });
  const lib = path.join(dir, 'usr/lib/openve');
  mkdirSync(lib, { recursive: true });
  for (const f of bundleFiles(bundles)) {
    copyFileSync(path.join(bundles.dir, f), path.join(lib, f));
    added.push(`/usr/lib/openve/${f}`);
  }
  // the web interface's static files, beside the manager bundle (manager/server/web.ts looks there)
  const web = path.join(bundles.dir, 'web');
  if (existsSync(path.join(web, 'index.html'))) {
    cpSync(web, path.join(lib, 'web'), { recursive: true });
    added.push('/usr/lib/openve/web/');
  }
  if (existsSync(path.join(lib, 'pveca.js'))) {
    mkdirSync(path.join(dir, 'usr/sbin'), { recursive: true });
    writeFileSync(
      path.join(dir, 'usr/sbin/pveca'),
      '#!/bin/sh\nexec /usr/bin/node /usr/lib/openve/pveca.js "$@"\n',
      { mode: 0o755 },
    );
    added.push('/usr/sbin/pveca');
  }
  const units = path.join(ISO_DIR, '..', 'provision/units');
  const unitDir = path.join(dir, 'etc/systemd/system');
  mkdirSync(unitDir, { recursive: true });
  if (existsSync(units)) {
    for (const f of readdirSync(units).filter((n) => /\.(service|target|timer|path)$/.test(n))) {
      copyFileSync(path.join(units, f), path.join(unitDir, f));
      added.push(`/etc/systemd/system/${f}`);
    }
  }
  // Our own payload units, enabled the way `systemctl enable` would.
  const enable: [string, string][] = [
    ['multi-user.target.wants', 'openve-ssh-keygen.service'],
    ['ssh.service.wants', 'openve-ssh-keygen.service'],
    ['multi-user.target.wants', 'openve-manager.service'],
    ['multi-user.target.wants', 'openve-guests.service'],
  ];
  for (const [wants, unit] of enable) {
    mkdirSync(path.join(unitDir, wants), { recursive: true });
    symlinkSync(`/etc/systemd/system/${unit}`, path.join(unitDir, wants, unit));
  }
  // The manager (state /var/lib/openve/manager) finds ISO images and container templates in
  // /var/lib/openve/{iso,templates} (MANAGER.md 2), where the template layer puts the template.
  const state = path.join(dir, 'var/lib/openve/manager');
  mkdirSync(state, { recursive: true });
  for (const store of ['iso', path.basename(TEMPLATE_DIR)]) {
    mkdirSync(path.join(dir, 'var/lib/openve', store), { recursive: true });
    symlinkSync(`../${store}`, path.join(state, store));
  }
  return added;
}

/** Live layer: the installer bundle (cli.js) run by /usr/lib/openve/openve-install.js, live-start, unit. */
export function stageLiveLayer(dir: string, bundles: Bundles): void {
  const cli = path.join(bundles.dir, 'cli.js');
  if (!existsSync(cli))
    throw new Error(
      `installer bundle ${cli} missing: did 'node scripts/bundle.mjs --standalone' run?`,
    );
  cpSync(path.join(ISO_DIR, 'live-layer'), dir, { recursive: true });
  chmodSync(path.join(dir, 'usr/lib/openve/live-start'), 0o755);
  // cli.js (run by the openve-install.js launcher) and the chunks it loads on demand
  for (const f of bundleFiles(bundles))
    copyFileSync(path.join(bundles.dir, f), path.join(dir, 'usr/lib/openve', f));
  writeFileSync(
    path.join(dir, 'usr/sbin/openve-install'),
    '#!/bin/sh\nexec /usr/bin/node /usr/lib/openve/openve-install.js "$@"\n',
    {
      mode: 0o755,
      flag: 'w',
    },
  );
  const wants = path.join(dir, 'etc/systemd/system/multi-user.target.wants');
  mkdirSync(wants, { recursive: true });
  symlinkSync(
    '/etc/systemd/system/openve-installer.service',
    path.join(wants, 'openve-installer.service'),
  );
}

/** The entries and chunks of a bundle directory (esbuild's output, no source maps). */
export function bundleFiles(bundles: Bundles): string[] {
  return readdirSync(bundles.dir)
    .filter((f) => f.endsWith('.js'))
    .sort();
}

export interface AssembleResult {
  payloadLayer: string[];
  isoBytes: number;
}

export async function assemble(input: AssembleInput): Promise<AssembleResult> {
  const { runner, workDir } = input;
  rmSync(workDir, { recursive: true, force: true });
  const medium = path.join(workDir, 'medium');
  const payloadLayer = path.join(workDir, 'payload-layer');
  const liveLayer = path.join(workDir, 'live-layer');
  for (const d of [
    medium,
    payloadLayer,
    path.join(liveLayer, 'usr/sbin'),
    path.join(medium, 'live'),
    path.join(medium, 'openve'),
    path.join(medium, 'boot/grub'),
  ]) {
    mkdirSync(d, { recursive: true });
  }

  // Payload = cached base stream (no end-of-archive) [+ the cached template layer, same form] + this
  // build's small layer: zstd frames and tar streams without end-of-archive concatenate.
  const added = stagePayloadLayer(payloadLayer, input.bundles);
  const layerTar = path.join(workDir, 'payload-layer.tar.zst');
  await runner.run([path.join(ISO_DIR, 'scripts/pack-tar.sh'), payloadLayer, layerTar, '19']);
  const payload = path.join(medium, MEDIUM.payload);
  await concat(
    [
      path.join(input.targetBaseDir, 'payload-base.tar.zst'),
      ...(input.templateLayer ? [input.templateLayer] : []),
      layerTar,
    ],
    payload,
  );
  // its uncompressed size next to it: the installer's progress while copying the system
  await runner.run([
    path.join(ISO_DIR, 'scripts/payload-size.sh'),
    payload,
    path.join(medium, MEDIUM.payloadSize),
  ]);

  // Live = cached filesystem.squashfs + openve.squashfs (live-boot stacks every /live/*.squashfs).
  stageLiveLayer(liveLayer, input.bundles);
  for (const f of ['filesystem.squashfs', 'vmlinuz', 'initrd.img']) {
    linkOrCopy(path.join(input.liveBaseDir, f), path.join(medium, 'live', f));
  }
  await runner.run(
    squashfsArgv(liveLayer, path.join(medium, 'live/openve.squashfs'), ['-all-root']),
  );

  copyFileSync(path.join(ISO_DIR, 'grub/grub.cfg'), path.join(medium, 'boot/grub/grub.cfg'));
  if (input.kernelArgs.length > 0)
    writeFileSync(path.join(medium, MEDIUM.grubEnv), renderGrubEnv(input.kernelArgs));
  if (input.answerFile) copyFileSync(input.answerFile, path.join(medium, MEDIUM.answer));
  if (input.firstBootHook) {
    copyFileSync(input.firstBootHook, path.join(medium, MEDIUM.firstBoot));
    chmodSync(path.join(medium, MEDIUM.firstBoot), 0o755);
  }

  mkdirSync(path.dirname(input.out), { recursive: true });
  const tmpOut = `${input.out}.tmp`;
  await runner.run([
    'grub-mkrescue',
    '-o',
    tmpOut,
    medium,
    '--',
    '-volid',
    'OPENVE',
    '-hfsplus',
    'off',
  ]);
  await runner.run(['mv', '-f', tmpOut, input.out]);
  const { statSync } = await import('node:fs');
  return { payloadLayer: added, isoBytes: statSync(input.out).size };
}

async function concat(parts: string[], out: string): Promise<void> {
  const ws = createWriteStream(out);
  for (const p of parts) await pipeline(createReadStream(p), ws, { end: false });
  await new Promise<void>((resolve, reject) =>
    ws.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
}

function linkOrCopy(src: string, dst: string): void {
  try {
    linkSync(src, dst);
  } catch {
    copyFileSync(src, dst);
  }
}
