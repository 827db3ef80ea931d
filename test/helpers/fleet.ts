// The fleet test rigs' common parts (integration: fleet-serve, fleet-proxy; e2e: fleet-pxe): a small
// ISO with openve's boot-file layout, an answer directory, and `openve-install serve` started in a
// network namespace, waited for, and stopped with the dnsmasq it started (never left running, even
// when a test fails).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandRunner } from '../../lib/exec/index.ts';

export const REPO = resolve(import.meta.dirname, '../..');
export const CLI = join(REPO, 'bin/openve-install.js');

/** An ISO with openve's netboot layout (kernel, initrd, two live layers, the payload) in `dir`/test.iso. */
export async function makeBootIso(
  runner: CommandRunner,
  dir: string,
  sizes = { kernel: 1, initrd: 1 },
): Promise<string> {
  mkdirSync(join(dir, 'iso/live'), { recursive: true });
  writeFileSync(join(dir, 'iso/live/vmlinuz'), Buffer.alloc(sizes.kernel, 7));
  writeFileSync(join(dir, 'iso/live/initrd.img'), Buffer.alloc(sizes.initrd, 9));
  // the live layers and the payload: fetched by the netbooted initramfs and installer (netboot.ts)
  writeFileSync(join(dir, 'iso/live/filesystem.squashfs'), Buffer.alloc(3000, 3));
  writeFileSync(join(dir, 'iso/live/openve.squashfs'), Buffer.alloc(1000, 4));
  mkdirSync(join(dir, 'iso/openve'), { recursive: true });
  writeFileSync(join(dir, 'iso/openve/payload.tar.zst'), Buffer.alloc(5000, 5));
  writeFileSync(join(dir, 'iso/openve/payload.tar.zst.size'), '20480\n');
  const iso = join(dir, 'test.iso');
  await runner.run([
    'xorriso',
    '-as',
    'mkisofs',
    '-R',
    '-V',
    'OPENVE',
    '-o',
    iso,
    join(dir, 'iso'),
  ]);
  return iso;
}

/** `dir`/answers with the given files (name -> text); returns its path. */
export function writeAnswerDir(dir: string, files: Record<string, string>): string {
  const answers = join(dir, 'answers');
  mkdirSync(answers, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(answers, name), text);
  return answers;
}

export const macFile = (mac: string) => `mac-${mac.replace(/:/g, '')}.toml`;

export interface Serve {
  child: ChildProcess;
  stateDir: string;
  /** everything serve printed so far */
  output(): string;
  /** SIGTERM, wait for the exit; then SIGKILL its dnsmasq if it is somehow still there */
  stop(): Promise<void>;
}

/** `openve-install serve ARGS --state-dir STATE` in namespace `ns`, resolved once it is ready. */
export async function startServe(
  ns: string,
  args: string[],
  stateDir: string,
  timeoutMs = 60_000,
): Promise<Serve> {
  const child = spawn(
    'ip',
    ['netns', 'exec', ns, process.execPath, CLI, 'serve', ...args, '--state-dir', stateDir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const serve: Serve = {
    child,
    stateDir,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      const pidFile = join(stateDir, 'dnsmasq.pid');
      if (existsSync(pidFile)) killQuietly(Number(readFileSync(pidFile, 'utf8')));
    },
  };
  const until = Date.now() + timeoutMs;
  while (!out.includes(' ready in ')) {
    if (child.exitCode !== null || Date.now() > until) {
      await serve.stop();
      throw new Error(`serve not ready: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return serve;
}

/** SIGKILL a pid if it is running (cleanup of daemons a test started). */
export function killQuietly(pid: number): void {
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // not running
  }
}

/** Polls `probe` until it gives a value; the error names what was awaited and adds `context()`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
  context: () => string = () => '',
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}\n${context()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
