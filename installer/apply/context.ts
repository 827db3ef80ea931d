// What every step handler gets: the runner (real, dry-run or recording: chosen elsewhere), the
// runtime inputs the pure plan leaves open (target dir, payload, secrets, first-boot hook) and
// the record of what is mounted or activated, so cleanup can undo exactly that.
import path from 'node:path';
import type { CommandRunner, RunOptions, CommandResult } from '../../lib/exec/index.ts';
import type { RootPassword } from '../../contracts/answers/types.ts';
import type { ProgressSink } from '../../contracts/progress.ts';
import type { Step } from '../../contracts/plan/types.ts';
import { archiveOf, unpackArgv, type ArchiveEntry } from './archive.ts';

export interface ApplySecrets {
  rootPassword?: RootPassword;
  clusterToken?: string;
  webhookToken?: string;
  /** URLs that carry credentials are secrets too (plan: @@SECRET:first-boot-url@@) */
  firstBootUrl?: string;
  webhookUrl?: string;
}

export interface ApplyState {
  /** absolute mountpoints, in the order they were mounted */
  mounts: string[];
  /** volume groups this run created or activated */
  vgs: Set<string>;
  /** temporary directories created for mounts (btrfs top level, secondary ESPs) */
  tempDirs: string[];
}

export interface ApplyContext {
  runner: CommandRunner;
  /** where the new system is mounted (plan.target unless overridden) */
  target: string;
  /** payload image: .squashfs or .tar.zst (or .tar) */
  payload: string | null;
  secrets: ApplySecrets;
  /** executable hook from the install medium (first-boot source from-iso) */
  firstBootHook: string | null;
  /** install log file on the live system, copied to the target by finalize */
  installLogPath: string | null;
  /** the answer file with secrets redacted, copied to the target by finalize */
  answerRedacted: string | null;
  emit: ProgressSink;
  log: (line: string) => void;
  /** poll budget for device nodes after partitioning */
  deviceTimeoutMs: number;
  /**
   * argv prefix that makes fsync a no-op (`eatmydata`) for tools that fsync every file they write
   * (grub-install); [] when the installer system has none, in dry runs and tests. What they wrote
   * reaches the disk with the extraction's sync and finalize's unmount.
   */
  noFsync: readonly string[];
  /** report progress inside the current step: fraction 0..1 of that step */
  progress: (fraction: number, text?: string) => void;
  state: ApplyState;
}

export type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;
export type Handler<K extends Step['kind']> = (step: StepOf<K>, ctx: ApplyContext) => Promise<void>;
export type HandlerMap = { [K in Step['kind']]: Handler<K> };

export function newState(): ApplyState {
  return { mounts: [], vgs: new Set(), tempDirs: [] };
}

/** A path inside the target: inTarget('/target', '/etc/hostname') = '/target/etc/hostname'. */
export function inTarget(ctx: Pick<ApplyContext, 'target'>, p: string): string {
  const rel = path.posix.normalize('/' + p).replace(/^\/+/, '');
  if (rel.split('/').includes('..')) throw new Error(`path escapes the target: ${p}`);
  return rel ? path.posix.join(ctx.target, rel) : ctx.target;
}

export function run(
  ctx: ApplyContext,
  argv: string[],
  options?: RunOptions,
): Promise<CommandResult> {
  return ctx.runner.run(argv, options);
}

/** Run argv inside the target (with /dev, /proc, ... bound by the bind-mounts step). */
export function chroot(
  ctx: ApplyContext,
  argv: string[],
  options?: RunOptions,
): Promise<CommandResult> {
  return ctx.runner.run(['chroot', ctx.target, ...argv], {
    env: { LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive' },
    ...options,
  });
}

/**
 * Write files under `root` through the runner (so dry-run writes nothing) with one `tar -x` whose
 * archive comes on stdin: modes and root ownership are set as each file is created, so a secret
 * never sits in a file readable by others, and content never appears in an argv or the log.
 */
export async function writeEntries(
  ctx: ApplyContext,
  root: string,
  entries: readonly ArchiveEntry[],
  options: RunOptions = {},
): Promise<CommandResult> {
  ctx.log(
    `writing ${entries.map((e) => `${e.path}${e.type === 'dir' ? '/' : ''} (${e.type === 'symlink' ? `-> ${e.target}` : e.mode})`).join(', ')} under ${root}`,
  );
  return ctx.runner.run(unpackArgv(root), {
    ...options,
    input: archiveOf(entries, new Date()),
    quietOutput: true,
  });
}

/** One file inside the target: writeFile(ctx, '/etc/hostname', 'node1\n', '0644'). */
export function writeFile(
  ctx: ApplyContext,
  targetPath: string,
  content: string,
  mode: string,
  options: RunOptions = {},
): Promise<CommandResult> {
  return writeEntries(
    ctx,
    ctx.target,
    [{ path: targetPath, mode, type: 'file', content }],
    options,
  );
}
