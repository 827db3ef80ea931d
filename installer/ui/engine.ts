// The real Services: the install engine (applyPlan through the runner factory) and "save answers".
// Loaded only when used, so the first frame never waits for it.
import { writeFile } from 'node:fs/promises';
import type { Answers } from '../../contracts/answers/types.ts';
import type { CommandRunner } from '../../lib/exec/index.ts';
import type { Plan } from '../../contracts/plan/types.ts';
import type { ProgressSink } from '../../contracts/progress.ts';
import type { Services } from './services.ts';

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
export async function hashPassword(tools: CommandRunner, password: string): Promise<string> {
  const { validateCryptHash } = await import('../../contracts/answers/validators.ts');
  const attempts: string[][] = [
    ['mkpasswd', '-m', 'yescrypt', '--stdin'],
    ['openssl', 'passwd', '-6', '-stdin'],
  ];
  const failures: string[] = [];
  for (const argv of attempts) {
    try {
      const r = await tools.run(argv, {
        input: `${password}\n`,
        reject: false,
        redact: [password],
        timeoutMs: 20_000,
      });
      const hash = r.stdout.trim();
      if (r.exitCode === 0 && !validateCryptHash(hash)) return hash;
      failures.push(`${argv[0]}: exit ${r.exitCode}`);
    } catch (err) {
      failures.push(
        `${argv[0]}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
      );
    }
  }
  throw new Error(
    `cannot hash the password (${failures.join('; ')}); install whois (mkpasswd) or openssl`,
  );
}

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
  const [
    { applyPlan },
    { createRunner, createInstallLog, redact },
    auto,
    { serializeAnswers, redactAnswerText },
  ] = await Promise.all([
    import('../apply/applyPlan.ts'),
    import('../../lib/exec/index.ts'),
    import('../commands/auto.ts'),
    import('../answers/serialize.ts'),
  ]);
  const log = createInstallLog(o.dryRun ? null : o.logPath);
  for (const s of auto.secretsOf(answers)) log.addSecret(s);
  const emit: ProgressSink = (e) =>
    sink('text' in e ? { ...e, text: redact(e.text, log.secrets()) } : e);
  log.line(
    `openve-install (interactive${o.dryRun ? ', dry run' : ''}): ${plan.summary.layout}; steps ${plan.steps.map((s) => s.id).join(' ')}`,
  );
  const base = createRunner(o.dryRun ? 'dry-run' : 'real', {
    log: (l) => log.line(l),
    secrets: () => log.secrets(),
  });
  const runner = o.dryRun ? pacedRunner(base, o.paceMs ?? 0) : base;
  const answerText = redactAnswerText(
    serializeAnswers(answers, { hashPassword: () => '<redacted>' }),
  );
  // hash here, with the real tools, so the plaintext goes no further (and a dry run can set it too)
  const pw = answers.global.rootPassword;
  let rootPassword = pw;
  if (pw.kind === 'plain') {
    try {
      rootPassword = { kind: 'hashed', hash: await hashPassword(o.tools, pw.value) };
    } catch (err) {
      emit({
        type: 'error',
        step: 'password:root',
        text: err instanceof Error ? err.message : String(err),
      });
      emit({ type: 'finished', ok: false, seconds: 0 });
      return;
    }
  }
  const outcome = await applyPlan(plan, {
    runner,
    emit,
    log: (l) => log.line(l),
    payload: auto.findPayload(o.payload, process.env.OPENVE_PAYLOAD, o.dryRun),
    secrets: {
      rootPassword,
      ...(answers.cluster && 'token' in answers.cluster && answers.cluster.token
        ? { clusterToken: answers.cluster.token }
        : {}),
    },
    firstBootHook: null,
    installLogPath: log.path,
    answerRedacted: answerText,
  });
  log.line(
    outcome.ok
      ? `install finished in ${outcome.seconds} s`
      : `install FAILED at ${outcome.failedStep}: ${outcome.error ?? ''}`,
  );
}
