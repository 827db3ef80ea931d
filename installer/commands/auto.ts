// openve-install auto --answer A [--payload P] [--yes] [--hardware F] [--log FILE]
//   [--first-boot-hook S] [--target DIR] [--answer-from-media] [--dry-run] [--measure-extraction]
// The unattended install: answer file -> plan -> applyPlan, progress as JSON lines on stdout
// (docs/design.md §1), the full log in --log (default /tmp/openve-install.log), copied to the target.
import { existsSync, readFileSync } from 'node:fs';
import { UserError, type Issue } from '../../lib/errors.ts';
import type { HardwareProfile } from '../../contracts/hardware/types.ts';
import type { Plan } from '../../contracts/plan/types.ts';
import type { CommandRunner } from '../../lib/exec/index.ts';
import { toJsonLine } from '../../contracts/progress.ts';
import { parseCommandArgs } from '../../lib/args.ts';
import { inFile, parseAnswers } from '../answers/parse.ts';
import { readAnswerText } from '../answers/read.ts';
import { ANSWER_FILE, HARDWARE_FILE, checkFileArgs, unreadableFile } from './inputs.ts';
import { buildPlan } from '../plan/buildPlan.ts';
import type { InstallLog, RunnerMode } from '../../lib/exec/index.ts';
import type { ApplyOutcome } from '../apply/applyPlan.ts';
import { runInstallSession } from '../session.ts';

export { secretsOf, guardedSecrets } from '../session.ts';
import { redactAnswerText } from '../answers/serialize.ts';
import { isPayloadUrl, payloadFormat } from '../apply/handlers/extract.ts';
import { describeDisk } from '../hardware/describe.ts';
import { yardstickPlan } from '../apply/yardstick.ts';

export const DEFAULT_LOG = '/tmp/openve-install.log';
export const MEDIUM_PAYLOADS = [
  '/run/live/medium/openve/payload.squashfs',
  '/run/live/medium/openve/payload.tar.zst',
];

export interface AutoOptions {
  answerText: string;
  answerSource: string;
  hardware: HardwareProfile;
  payload: string | null;
  /** wiping confirmed by --yes, the kernel parameter or an answer that came with the medium */
  confirmed: boolean;
  logPath: string | null;
  firstBootHook: string | null;
  target: string | null;
  mode: RunnerMode;
  /**
   * instead of installing: time the extraction alone on the plan's own layout, then undo the
   * mounts (apply/yardstick.ts); the disks are wiped as the install would, after the same confirmation
   */
  measureExtraction?: boolean;
  /** problems found while resolving the options (payload, hook): reported with the answer's and the plan's */
  problems?: Issue[];
}

export interface AutoDeps {
  /** replaces the factory's runner (integration tests on hosts without vfat/device-mapper) */
  runner?: (log: InstallLog) => CommandRunner;
  /** where JSON lines go; default process.stdout */
  write?: (line: string) => void;
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('auto', args, {
    answer: { type: 'string', short: 'a' },
    payload: { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    hardware: { type: 'string' },
    log: { type: 'string' },
    'first-boot-hook': { type: 'string' },
    target: { type: 'string' },
    'answer-from-media': { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    'measure-extraction': { type: 'boolean' },
  });
  // a closed reader (`| head`) must not crash an install half-way: keep installing, keep logging
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  const opts = await resolveAutoOptions(values);
  const outcome = await autoInstall(opts);
  return outcome.ok ? 0 : 1;
}

type AutoArgValues = {
  answer?: string;
  payload?: string;
  yes?: boolean;
  hardware?: string;
  log?: string;
  'first-boot-hook'?: string;
  target?: string;
  'answer-from-media'?: boolean;
  'dry-run'?: boolean;
  'measure-extraction'?: boolean;
};

/** Command-line values -> AutoOptions: reads files, detects hardware, finds the payload. */
/** On the live system, NICs start administratively down and report no link: bring them up first. */
async function detectOnThisMachine() {
  const { detectHardware, LINK_WAIT_MS } = await import('../hardware/detect.ts');
  return detectHardware(
    undefined,
    existsSync('/run/live/medium') ? { linkWaitMs: LINK_WAIT_MS } : {},
  );
}

export async function resolveAutoOptions(values: AutoArgValues): Promise<AutoOptions> {
  if (!values.answer) {
    throw new UserError({
      path: 'auto',
      message:
        '--answer FILE is required (usage: openve-install auto --answer A [--payload P] [--yes])',
    });
  }
  const dryRun = values['dry-run'] === true;
  const hook = values['first-boot-hook'] ?? null;
  // every problem at once, like `validate`: a missing payload does not hide a wrong disk
  const problems: Issue[] = [];
  const collect = <T>(f: () => T, fallback: T): T => {
    try {
      return f();
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      problems.push(...err.issues);
      return fallback;
    }
  };
  const payload = collect(
    () => findPayload(values.payload, process.env.OPENVE_PAYLOAD, dryRun),
    null,
  );
  // the named files, before any is read whole (no FIFO, device or directory is ever read); the
  // answer and the hardware are needed to go on, so their problems stop here, with the others
  const files = checkFileArgs([
    { flag: '--answer', file: values.answer, kind: 'text', expected: ANSWER_FILE },
    { flag: '--hardware', file: values.hardware, kind: 'text', expected: HARDWARE_FILE },
    { flag: '--first-boot-hook', file: hook ?? undefined, kind: 'file' },
    { flag: '--log', file: values.log, kind: 'output' },
  ]);
  // the log is opened first thing: a log that cannot be written stops here too, before detection
  if (files.some((i) => ['--answer', '--hardware', '--log'].includes(i.path)))
    throw new UserError([...files, ...problems]);
  problems.push(...files);
  const answerText = readAnswerText(values.answer, '--answer');
  const hardware = values.hardware
    ? (await import('../hardware/fixture.ts')).loadHardwareFile(values.hardware)
    : await detectOnThisMachine();
  return {
    problems,
    answerText,
    answerSource: values.answer,
    hardware,
    payload,
    confirmed:
      values.yes === true ||
      values['answer-from-media'] === true ||
      kernelConfirmsWipe(readCmdline()),
    logPath: values.log ?? DEFAULT_LOG,
    firstBootHook: hook,
    target: values.target ?? null,
    mode: dryRun ? 'dry-run' : 'real',
    measureExtraction: values['measure-extraction'] === true,
  };
}

function readCmdline(): string {
  try {
    return readFileSync('/proc/cmdline', 'utf8');
  } catch {
    return '';
  }
}

export function kernelConfirmsWipe(cmdline: string): boolean {
  return cmdline.split(/\s+/).includes('openve.confirm-wipe=1');
}

/** --payload, else $OPENVE_PAYLOAD, else the live medium's payload (squashfs before tar.zst). */
export function findPayload(
  flag: string | undefined,
  env: string | undefined,
  dryRun: boolean,
  candidates = MEDIUM_PAYLOADS,
): string | null {
  const given = flag ?? (env || undefined);
  const where = flag ? '--payload' : 'OPENVE_PAYLOAD';
  if (given) {
    if (!payloadFormat(given))
      throw new UserError({
        path: where,
        message: `${given}: unknown payload format (expected .squashfs, .tar.zst or .tar)`,
      });
    // a URL (network installs): streamed by the extract step, nothing to check here
    const why = dryRun || isPayloadUrl(given) ? null : unreadableFile(given);
    if (why) throw new UserError({ path: where, message: `${given}: ${why}` });
    return given;
  }
  const found = candidates.find((c) => existsSync(c));
  if (found) return found;
  if (dryRun) return candidates[0] ?? null;
  throw new UserError({
    path: '--payload',
    message: `no payload given and none on the install medium (looked for ${candidates.join(', ')}); pass --payload FILE or set OPENVE_PAYLOAD`,
  });
}

export function refuseWipe(plan: Plan): Issue {
  const disks = plan.summary.disks.map(
    (d) =>
      `${d.path} (${[d.model, d.serial].filter(Boolean).join(' ') || 'no model'}, ${Math.round(d.sizeBytes / 1e9)} GB)`,
  );
  return {
    path: 'auto',
    message: `this install erases ${disks.join(', ')}; confirm with --yes or the kernel parameter openve.confirm-wipe=1 (an answer file shipped on the install medium counts as confirmation)`,
  };
}

/** The install itself, given resolved options. Returns the outcome; progress goes to deps.write. */
export async function autoInstall(
  opts: AutoOptions,
  deps: AutoDeps = {},
): Promise<ApplyOutcome & { plan?: Plan }> {
  const problems = [...(opts.problems ?? [])];
  const parsed = parseAnswers(opts.answerText);
  if (!parsed.ok) throw new UserError([...problems, ...inFile(opts.answerSource, parsed.issues)]);
  const answers = parsed.value;
  const planned = buildPlan(answers, opts.hardware);
  if (!planned.ok) throw new UserError([...problems, ...planned.issues]);
  const plan = opts.measureExtraction ? yardstickPlan(planned.value) : planned.value;
  if (!opts.confirmed && opts.mode !== 'dry-run') problems.push(refuseWipe(plan));
  if (problems.length) throw new UserError(problems);

  const write = deps.write ?? ((line: string) => process.stdout.write(line));
  const outcome = await runInstallSession({
    answers,
    plan,
    mode: opts.mode,
    logPath: opts.mode === 'dry-run' && opts.logPath === DEFAULT_LOG ? null : opts.logPath,
    payload: opts.payload,
    firstBootHook: opts.firstBootHook,
    target: opts.target ?? plan.target,
    // keys first (root-password, tokens, in every spelling); the session redacts every secret value left
    answerText: redactAnswerText(opts.answerText),
    sink: (event) => write(toJsonLine(event)),
    ...(deps.runner ? { runner: deps.runner } : {}),
    // process.uptime(): what start-up, reading the answer and detecting the hardware took before this line
    intro: () => [
      `openve-install auto: answer ${opts.answerSource}, payload ${opts.payload ?? '(none)'}, target ${opts.target ?? plan.target}, mode ${opts.mode} (process up ${process.uptime().toFixed(1)} s)`,
      `plan: ${plan.summary.layout}; disks ${plan.summary.disks.map((d) => d.path).join(', ')}; steps ${plan.steps.map((s) => s.id).join(' ')}`,
      ...opts.hardware.disks
        .filter((d) => plan.summary.disks.some((p) => p.path === d.path))
        .map((d) => `wiping ${describeDisk(d)}`),
      ...(opts.measureExtraction
        ? [
            'measuring the extraction alone on this layout (no install: the steps after it are left out)',
          ]
        : []),
    ],
  });
  // the figure live-start reads (OPENVE-BENCH on the console): one line, after the session's own;
  // the extraction handler syncs the target, so its time is the data's time to disk
  const extractSeconds = outcome.stepSeconds?.['extract:payload'];
  if (opts.measureExtraction && outcome.ok && extractSeconds !== undefined)
    write(
      toJsonLine({
        type: 'message',
        step: 'extract:payload',
        text: `extract-seconds=${extractSeconds}`,
      }),
    );
  return { ...outcome, plan };
}
