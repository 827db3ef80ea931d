// `openve-install [--dry-run --hardware FILE] [--log FILE] [--payload FILE]`: the interactive installer.
// Start-up is kept lean: ink/react and the wizard load here, the install engine only after the
// confirmation and the answer serializer only on "Save answers".
import { UserError } from '../../lib/errors.ts';
import type { CommandRunner } from '../../lib/exec/index.ts';
import type { HardwareProfile } from '../../contracts/hardware/types.ts';
import { parseCommandArgs } from '../../lib/args.ts';
import { createMemory } from './memory.ts';
import { mountApp } from './mount.tsx';
import { guessLocale } from './env-defaults.ts';
import type { Services } from './services.ts';
import { initialValues } from './wizard/initial.ts';
import { initialState, type WizardState } from './wizard/state.ts';
import type { NetworkLease } from './wizard/values.ts';
import { validateTimezone } from '../../contracts/answers/validators.ts';

export const DEFAULT_LOG = '/tmp/openve-install.log';

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('openve-install', args, {
    'dry-run': { type: 'boolean' },
    hardware: { type: 'string' },
    log: { type: 'string' },
    payload: { type: 'string' },
  });
  const dryRun = values['dry-run'] === true;
  if (process.env.OPENVE_UI_TIMING)
    (await import('./timing.ts')).installTiming(process.env.OPENVE_UI_TIMING);
  if (values.hardware && !dryRun)
    throw new UserError({
      path: '--hardware',
      message: 'a recorded machine can only be used with --dry-run (it is not this machine)',
    });
  if (!process.stdin.isTTY || !process.stdout.isTTY)
    throw new UserError({
      path: 'openve-install',
      message:
        'the interactive installer needs a terminal; for an unattended install use `openve-install auto --answer FILE`',
    });

  // raw mode now, not when ink subscribes: a key pressed while the first frame appears arrives as
  // '\r' (cooked mode would turn Enter into an '\n' that ink cannot tell from nothing)
  process.stdin.setRawMode(true);
  try {
    return await interactive(values, dryRun);
  } finally {
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
  }
}

async function interactive(
  values: { hardware?: string; log?: string; payload?: string },
  dryRun: boolean,
): Promise<number> {
  // execa loads on first use (saving answers, installing, reading the lease): not before the first frame
  const tools: CommandRunner = {
    run: async (argv, options) =>
      (await import('../../lib/exec/index.ts')).createRunner('real').run(argv, options),
  };
  const hw: HardwareProfile = values.hardware
    ? (await import('../hardware/fixture.ts')).loadHardwareFile(values.hardware)
    : await (await import('../hardware/detect.ts')).detectHardware();
  // a fixture's NICs are not this machine's: only a real run reads the live lease
  const lease: NetworkLease | null = values.hardware
    ? null
    : await (await import('./lease.ts')).probeLease(tools, hw.nics);
  // the answer file's zone table is built on first use (the location screen), not for the guess
  const locale = guessLocale(
    process.env,
    (z) => !validateTimezone(z),
    Intl.DateTimeFormat().resolvedOptions().timeZone,
  );
  const initial = initialState(hw, initialValues(hw, locale, lease), lease);

  const logPath = values.log ?? DEFAULT_LOG;
  const services: Services = await lazyServices(dryRun, logPath, tools, values.payload);

  let final: WizardState | null = null;
  const input = watchInput(process.stdin);
  // the answers and the screen live outside React: a layout crash re-mounts the app on them
  const app = mountApp({
    memory: createMemory(initial),
    services,
    onExit: (s) => (final = s),
    render: {
      exitOnCtrlC: false,
      patchConsole: false,
      maxFps: 60, // a key redraws within ~17 ms even while typing fast
    },
  });
  // after the first frame, while the user reads: plan once (the first plan compiles the file
  // templates) and build the location lists (ICU names, ~600 zones), so those screens open at once
  setTimeout(() => void warmUp(initial), 100).unref();
  await app.done;
  const end = final as WizardState | null;
  if (!end?.exit) {
    // Ink also unmounts when the event loop runs empty, which happens when the terminal input is
    // gone (a hangup, stdin closed): that is a failure to report, never a silent "quit"
    process.stderr.write(
      `openve-install: stopped before the installer finished: ${input.lost ?? 'no terminal input left'}\n`,
    );
    return 1;
  }
  if (end.exit.code === 130) {
    process.stderr.write('openve-install: quit before installing; nothing was written\n');
    return 130;
  }
  if (dryRun && end.plan) {
    const { formatPlan } = await import('../plan/format.ts');
    process.stdout.write(formatPlan(end.plan));
  }
  if (!dryRun && end.exit.code === 0 && !process.env.OPENVE_NO_REBOOT) {
    await tools.run(['systemctl', 'reboot'], { reject: false });
  }
  return end.exit.code;
}

/** Why the terminal input went away, once it has (for the message; Ink then unmounts). */
export function watchInput(stdin: NodeJS.ReadStream): { lost: string | null } {
  const state: { lost: string | null } = { lost: null };
  stdin.once('end', () => (state.lost ??= 'the terminal input ended (stdin closed or hung up)'));
  stdin.once(
    'error',
    (err: Error) => (state.lost ??= `reading the terminal failed: ${err.message}`),
  );
  return state;
}

/** Services whose engine module loads on first use (after the first frame). */
async function lazyServices(
  dryRun: boolean,
  logPath: string,
  tools: CommandRunner,
  payload?: string,
): Promise<Services> {
  const paceMs = Number(process.env.OPENVE_DRY_RUN_PACE_MS ?? 25);
  const engine = () =>
    import('./engine.ts').then((m) =>
      m.createServices({ dryRun, logPath, tools, paceMs, payload }),
    );
  return {
    dryRun,
    logPath: dryRun ? '(dry run: no log file)' : logPath,
    now: () => Date.now(),
    install: async (plan, answers, sink) => (await engine()).install(plan, answers, sink),
    saveAnswers: async (answers, path) => (await engine()).saveAnswers(answers, path),
    saveAnswersToStick: async (answers) => (await engine()).saveAnswersToStick(answers),
  };
}

async function warmUp(initial: WizardState): Promise<void> {
  const [{ previewLayout }, { choicesFor }] = await Promise.all([
    import('./wizard/validate.ts'),
    import('./screens/locale/locale-state.ts'),
  ]);
  previewLayout(initial.values, initial.hw);
  for (const field of ['country', 'timezone', 'keyboard'] as const) choicesFor(field);
}
