// The real Services: the install engine (applyPlan through the runner factory) and "save answers".
// Loaded only when used, so the first frame never waits for it.
import { writeFile } from 'node:fs/promises';
import type { Answers } from '../../contracts/answers/types.ts';
import type { CommandRunner } from '../../lib/exec/index.ts';
import type { Plan } from '../../contracts/plan/types.ts';
import type { ProgressSink } from '../../contracts/progress.ts';
import type { Services } from './services.ts';
import { hashPassword } from '../password.ts';

export { hashPassword } from '../password.ts';

export interface EngineOptions {
  dryRun: boolean;
  logPath: string;
  /** runs the hashing tools; the real runner in both modes (hashing touches no disk) */
  tools: CommandRunner;
  /** dry run: delay per command so the progress screen is visible (ms) */
  paceMs?: number;
  /** --payload; default $OPENVE_PAYLOAD, else the live medium's (as `auto` finds it) */
  payload?: string;
}

/** Wraps a runner so every command takes at least `ms` (dry-run pacing). */
export function pacedRunner(inner: CommandRunner, ms: number): CommandRunner {
  if (ms <= 0) return inner;
  return {
    run: async (argv, options) => {
      await new Promise((r) => setTimeout(r, ms));
      return inner.run(argv, options);
    },
  };
}

/** crypt(3) hash of the password: yescrypt via mkpasswd, else SHA-512 via openssl. Input on stdin only. */
export async function saveAnswerFile(
  tools: CommandRunner,
  answers: Answers,
  path: string,
): Promise<string> {
  const { serializeAnswers } = await import('../answers/serialize.ts');
  const pw = answers.global.rootPassword;
  const hashed: Answers =
    pw.kind === 'plain'
      ? {
          ...answers,
          global: {
            ...answers.global,
            rootPassword: { kind: 'hashed', hash: await hashPassword(tools, pw.value) },
          },
        }
      : answers;
  const text = serializeAnswers(hashed);
  try {
    await writeFile(path, text, { mode: 0o600 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      `${path}: cannot write (${code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : (code ?? String(err))})`,
      { cause: err },
    );
  }
  return path;
}

export function createServices(o: EngineOptions): Services {
  return {
    dryRun: o.dryRun,
    logPath: o.dryRun ? '(dry run: no log file)' : o.logPath,
    now: () => Date.now(),
    saveAnswers: (answers, path) => saveAnswerFile(o.tools, answers, path),
    install: (plan, answers, sink) => install(o, plan, answers, sink),
  };
}

async function install(
  o: EngineOptions,
  plan: Plan,
  answers: Answers,
  sink: ProgressSink,
): Promise<void> {
  const [{ runInstallSession }, { findPayload }, { serializeAnswers, redactAnswerText }] = await Promise.all([
    import('../session.ts'),
    import('../commands/auto.ts'),
    import('../answers/serialize.ts'),
  ]);
  await runInstallSession({
    answers,
    plan,
    mode: o.dryRun ? 'dry-run' : 'real',
    logPath: o.dryRun ? null : o.logPath,
    payload: findPayload(o.payload, process.env.OPENVE_PAYLOAD, o.dryRun),
    firstBootHook: null,
    answerText: redactAnswerText(serializeAnswers(answers, { hashPassword: () => '<redacted>' })),
    sink,
    // hash with the real tools, so the plaintext goes no further (and a dry run can set it too)
    hashWith: o.tools,
    ...(o.dryRun ? { wrapRunner: (r: CommandRunner) => pacedRunner(r, o.paceMs ?? 0) } : {}),
    intro: () => [
      `openve-install (interactive${o.dryRun ? ', dry run' : ''}): ${plan.summary.layout}; steps ${plan.steps.map((s) => s.id).join(' ')}`,
    ],
  });
}
