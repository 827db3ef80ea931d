// One install session, what every frontend (`auto`, the text UI) runs around applyPlan: the
// install log, every secret registered for redaction (log, progress text, the answer copy on the
// target), the root password hashed when asked, the runner from the factory, then applyPlan and
// the final log line. The frontends only gather their options and draw the progress.
import type { Answers, RootPassword } from '../contracts/answers/types.ts';
import type { Plan } from '../contracts/plan/types.ts';
import type { ProgressEvent, ProgressSink } from '../contracts/progress.ts';
import {
  createInstallLog,
  createRunner,
  redact,
  type CommandRunner,
  type InstallLog,
  type RunnerMode,
} from '../lib/exec/index.ts';
import { applyPlan, type ApplyOutcome } from './apply/applyPlan.ts';
import { hashPassword } from './password.ts';
import { urlSecrets } from '../contracts/answers/url.ts';
import { existsSync } from 'node:fs';

/** Debian's eatmydata (live.list): fsync as a no-op for the tools that fsync every file. */
export const EATMYDATA = '/usr/bin/eatmydata';

export interface SessionOptions {
  answers: Answers;
  plan: Plan;
  mode: RunnerMode;
  /** null: the log goes nowhere but the runner's echo (dry runs, tests) */
  logPath: string | null;
  payload: string | null;
  firstBootHook: string | null;
  target?: string;
  /** the answer file as kept on the target; redacted again here with every secret */
  answerText: string;
  /** log lines written once the secrets are registered (what starts, which disks are wiped) */
  intro: (log: InstallLog) => string[];
  /** where progress events go, after redaction */
  sink: ProgressSink;
  /** hash a plain root password with these tools first, so the plaintext goes no further */
  hashWith?: CommandRunner;
  /** replaces the factory's runner (integration tests on hosts without vfat/device-mapper) */
  runner?: (log: InstallLog) => CommandRunner;
  /** wraps the factory's runner (the UI's paced dry run) */
  wrapRunner?: (runner: CommandRunner) => CommandRunner;
}

/** Every secret of the answers: registered with the log before anything is written. */
export function secretsOf(answers: Answers): string[] {
  const out: string[] = [];
  const pw = answers.global.rootPassword;
  out.push(pw.kind === 'plain' ? pw.value : pw.hash);
  if (answers.cluster?.token) out.push(answers.cluster.token);
  if (answers.webhook?.authToken) out.push(answers.webhook.authToken);
  for (const url of [answers.firstBoot?.url, answers.webhook?.url])
    if (url) out.push(...urlSecrets(url));
  return out.filter(Boolean);
}

/**
 * The secrets the runner keeps out of argv and the log redacts. A secret that is also public text
 * of the plan (a password "/dev/sda" or "openve-data") cannot be kept out of `sgdisk /dev/sda`,
 * and redacting it would reveal it ("Wiping ***"): it stays protected by key (answer redaction,
 * stdin only), not by value. The plan holds no secret by construction, so its text is public.
 */
export function guardedSecrets(secrets: readonly string[], plan: Plan): string[] {
  const publicText = JSON.stringify(plan);
  return secrets.filter(
    (s) => !publicText.includes(s) && !publicText.includes(JSON.stringify(s).slice(1, -1)),
  );
}

export async function runInstallSession(o: SessionOptions): Promise<ApplyOutcome> {
  const log = createInstallLog(o.logPath);
  const secrets = guardedSecrets(secretsOf(o.answers), o.plan);
  for (const s of secrets) log.addSecret(s);
  const emit: ProgressSink = (event: ProgressEvent) =>
    o.sink('text' in event ? { ...event, text: redact(event.text, log.secrets()) } : event);
  for (const line of o.intro(log)) log.line(line);

  let rootPassword: RootPassword = o.answers.global.rootPassword;
  if (o.hashWith && rootPassword.kind === 'plain') {
    try {
      rootPassword = { kind: 'hashed', hash: await hashPassword(o.hashWith, rootPassword.value) };
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      emit({ type: 'error', step: 'password:root', text });
      emit({ type: 'finished', ok: false, seconds: 0 });
      return { ok: false, seconds: 0, failedStep: 'password:root', error: text };
    }
  }
  const base = o.runner
    ? o.runner(log)
    : createRunner(o.mode, { log: (l) => log.line(l), secrets: () => log.secrets() });
  const runner = o.wrapRunner ? o.wrapRunner(base) : base;
  const { cluster, webhook, firstBoot } = o.answers;
  const outcome = await applyPlan(o.plan, {
    runner,
    emit,
    log: (l) => log.line(l),
    ...(o.target !== undefined ? { target: o.target } : {}),
    payload: o.payload,
    secrets: {
      rootPassword,
      ...(cluster?.token ? { clusterToken: cluster.token } : {}),
      ...(webhook?.authToken ? { webhookToken: webhook.authToken } : {}),
      ...(firstBoot?.url ? { firstBootUrl: firstBoot.url } : {}),
      ...(webhook?.url ? { webhookUrl: webhook.url } : {}),
    },
    firstBootHook: o.firstBootHook,
    installLogPath: log.path,
    // a real install on this machine only: dry runs and injected runners record plain argv
    noFsync: o.mode === 'real' && !o.runner && existsSync(EATMYDATA) ? [EATMYDATA] : [],
    answerRedacted: redact(o.answerText, secrets),
  });
  log.line(
    outcome.ok
      ? `install finished in ${outcome.seconds} s`
      : `install FAILED at ${outcome.failedStep}: ${outcome.error ?? ''}`,
  );
  return outcome;
}
