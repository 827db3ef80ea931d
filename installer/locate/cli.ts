// `openve-install locate [--json] [--save DIR] [--hardware FILE] [--timeout SECONDS] [--network-wait SECONDS]`
// Run by the live ISO's tty1 service: finds the answer (see locate.ts), validates it, and with
// --save writes DIR/answer.toml (0600) and DIR/first-boot (0755) for `openve-install auto`.
// Exit 0: a valid answer was found; 1: none found, or it is invalid (the report says why).
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAnswers } from '../answers/parse.ts';
import { parseCommandArgs } from '../../lib/args.ts';
import { UserError, formatIssue } from '../../lib/errors.ts';
import { loadHardwareFile } from '../hardware/fixture.ts';
import type { HardwareProfile } from '../../contracts/hardware/types.ts';
import pkg from '../../package.json' with { type: 'json' };
import { realLocateEnv } from './env.ts';
import { locateAnswer } from './locate.ts';
import { ANSWER_FILE_NAME, FIRST_BOOT_FILE_NAME, type LocatePaths } from './paths.ts';
import { formatReport, resultJson } from './report.ts';
import { systemInfoPayload } from './sysinfo.ts';

/** The machine summary for answer servers; only loaded when an HTTP source is actually asked. */
async function detect(): Promise<HardwareProfile | undefined> {
  try {
    const { detectHardware } = await import('../hardware/detect.ts');
    return await detectHardware();
  } catch (err) {
    process.stderr.write(
      `hardware detection failed (${err instanceof Error ? err.message : String(err)}); sending a summary without it\n`,
    );
    return undefined;
  }
}

/** `paths` moves where the live medium, leases and resolv.conf are looked for (tests). */
export async function run(args: string[], paths?: Partial<LocatePaths>): Promise<number> {
  const { values } = parseCommandArgs('locate', args, {
    json: { type: 'boolean' },
    save: { type: 'string' },
    hardware: { type: 'string' },
    timeout: { type: 'string' },
    'network-wait': { type: 'string' },
  });
  let httpTimeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    const s = Number(values.timeout);
    if (!Number.isFinite(s) || s <= 0)
      throw new UserError({
        path: '--timeout',
        message: `expected seconds > 0, got ${JSON.stringify(values.timeout)}`,
      });
    httpTimeoutMs = s * 1000;
  }
  let networkWaitMs = 60_000;
  if (values['network-wait'] !== undefined) {
    const s = Number(values['network-wait']);
    if (!Number.isFinite(s) || s < 0) {
      throw new UserError({
        path: '--network-wait',
        message: `expected seconds >= 0, got ${JSON.stringify(values['network-wait'])}`,
      });
    }
    networkWaitMs = s * 1000;
  }
  const hardwareFile = values.hardware;
  const env = realLocateEnv({
    ...(paths ? { paths } : {}),
    ...(httpTimeoutMs !== undefined ? { httpTimeoutMs } : {}),
    networkWaitMs,
    systemInfo: async () =>
      systemInfoPayload(
        pkg.version,
        hardwareFile ? loadHardwareFile(hardwareFile) : await detect(),
      ),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const result = await locateAnswer(env);

  let issues: string[] = [];
  if (result.answer) {
    const parsed = parseAnswers(result.answer.text);
    if (!parsed.ok) issues = parsed.issues.map((i) => `${result.answer!.where}: ${formatIssue(i)}`);
  }
  let saved: { answer?: string; firstBoot?: string } | undefined;
  if (result.answer && issues.length === 0 && values.save) {
    await mkdir(values.save, { recursive: true, mode: 0o700 });
    saved = { answer: join(values.save, ANSWER_FILE_NAME) };
    await writeFile(saved.answer!, result.answer.text, { mode: 0o600 });
    await chmod(saved.answer!, 0o600);
    if (result.answer.firstBoot) {
      saved.firstBoot = join(values.save, FIRST_BOOT_FILE_NAME);
      await writeFile(saved.firstBoot, result.answer.firstBoot.content, { mode: 0o755 });
      await chmod(saved.firstBoot, 0o755);
    }
  }

  if (values.json) {
    const json = resultJson(result, saved) as Record<string, unknown>;
    process.stdout.write(
      `${JSON.stringify({ ...json, valid: result.answer ? issues.length === 0 : false, issues }, null, 2)}\n`,
    );
  } else {
    process.stderr.write(`${formatReport(result)}\n`);
    for (const line of issues) process.stderr.write(`${line}\n`);
    if (saved)
      process.stdout.write(`${saved.answer}${saved.firstBoot ? `\n${saved.firstBoot}` : ''}\n`);
  }
  return result.answer && issues.length === 0 ? 0 : 1;
}
