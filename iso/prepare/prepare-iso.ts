// The work of `openve-install prepare-iso` (the command is installer/commands/prepare-iso.ts).
// Embeds a validated answer (or the URL to fetch it from) and optionally an executable
// first-boot hook into an existing ISO without rebuilding it; booting the result installs
// unattended (grub.cfg defaults to the unattended entry when /openve/answer.toml is on the
// medium). OUT is written atomically: a bad answer, a non-ISO input or any loss of boot
// equipment leaves no OUT behind.
import { constants } from 'node:fs';
import { mkdtemp, open, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError, type Issue } from '../../lib/errors.ts';
import { createRunner } from '../../lib/exec/index.ts';
import type { CommandRunner } from '../../lib/exec/index.ts';
import {
  ISO_ANSWER,
  ISO_ANSWER_URL,
  ISO_FIRST_BOOT,
  compareBoot,
  embedArgv,
  parseBootSignature,
  parseLsl,
  parseVolumeId,
  probeArgv,
  type BootSignature,
  type EmbedFile,
} from './embed.ts';
import {
  ANSWER_FILE_NAME,
  ANSWER_URL_FILE_NAME,
  FIRST_BOOT_FILE_NAME,
  ISO_OPENVE_DIR,
  renderAnswerUrlFile,
} from '../../contracts/medium.ts';
import { isFingerprint } from '../../lib/net/pinned.ts';
import { unreadableReason } from '../../lib/fs.ts';
import { MAX_ANSWER_BYTES } from '../../contracts/answers/limits.ts';

interface IsoFacts {
  volumeId: string;
  boot: BootSignature;
  openveFiles: string[];
}

async function probeIso(runner: CommandRunner, iso: string, flag: string): Promise<IsoFacts> {
  const r = await runner.run(probeArgv(iso, `/${ISO_OPENVE_DIR}`), {
    reject: false,
    timeoutMs: 120_000,
  });
  const text = `${r.stdout}\n${r.stderr}`;
  const volumeId = parseVolumeId(text);
  if (!volumeId || /No ISO 9660 image at LBA|is blank/.test(text)) {
    const why = text
      .split('\n')
      .find((l) => /FAILURE|SORRY|No ISO 9660/.test(l))
      ?.trim();
    throw new UserError({
      path: flag,
      message: `${iso} is not an ISO 9660 image${why ? ` (${why})` : ''}`,
    });
  }
  return { volumeId, boot: parseBootSignature(text), openveFiles: parseLsl(text) };
}

/**
 * The answer to embed, read as the answer-file reader reads one: a regular file (a FIFO or
 * /dev/zero is refused before a byte is read), at most MAX_ANSWER_BYTES, strict UTF-8.
 */
export async function readAnswerBounded(file: string, max = MAX_ANSWER_BYTES): Promise<string> {
  const fail = (message: string) =>
    new UserError({ path: '--answer', message: `${file}: ${message}` });
  let fh: FileHandle;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw fail(`${unreadableReason(err)} (expected an answer file in TOML)`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw fail('is not a regular file (expected an answer file in TOML)');
    const tooLarge = (has: string) =>
      fail(
        `too large for an answer file: at most ${max} bytes (1 MiB) are read, this one has ${has}`,
      );
    if (st.size > max) throw tooLarge(`${st.size} bytes`);
    // a file may grow while it is read: the loop caps what is read, whatever stat said
    const buf = Buffer.alloc(max + 1);
    let used = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, used, buf.length - used, null);
      if (bytesRead === 0) break;
      used += bytesRead;
      if (used > max) throw tooLarge('more than that');
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, used));
    } catch {
      throw fail('is not valid UTF-8 (a password would change silently): save it as UTF-8');
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw fail(unreadableReason(err));
  } finally {
    await fh.close();
  }
}

async function checkHook(path: string): Promise<Issue | undefined> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return { path: '--on-first-boot', message: `${path}: no such file` };
  if (!st.isFile()) return { path: '--on-first-boot', message: `${path}: not a regular file` };
  const fh = await open(path, 'r');
  const head = Buffer.alloc(4);
  try {
    await fh.read(head, 0, 4, 0);
  } finally {
    await fh.close();
  }
  // it is executed directly at first boot: it needs an interpreter line or to be a binary
  if (
    !(head[0] === 0x23 && head[1] === 0x21) &&
    !head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))
  ) {
    return {
      path: '--on-first-boot',
      message: `${path} must start with an interpreter line such as #!/bin/sh (or be an ELF executable)`,
    };
  }
  return undefined;
}

export interface PrepareOptions {
  inIso: string;
  outIso: string;
  /** answer file to embed; or */
  answer?: string;
  /** URL the live system fetches the answer from (HTTP source), with an optional pin */
  answerUrl?: string;
  certFingerprint?: string;
  firstBoot?: string;
}

/**
 * The answer file's check, given by the caller (the installer owns the answer parser): its
 * problems, or the first-boot source it asks for.
 */
export type AnswerCheck = (
  text: string,
) => { ok: true; firstBootSource: string | undefined } | { ok: false; issues: Issue[] };

/** Checks everything about the request that does not need the ISO. */
async function checkRequest(opts: PrepareOptions, checkAnswer: AnswerCheck): Promise<void> {
  if (resolve(opts.inIso) === resolve(opts.outIso)) {
    throw new UserError({
      path: '--out',
      message: 'must differ from --in (the input ISO is read while the output is written)',
    });
  }
  if (opts.answer && opts.answerUrl)
    throw new UserError({
      path: '--answer-url',
      message: 'give either --answer or --answer-url, not both',
    });
  if (!opts.answer && !opts.answerUrl)
    throw new UserError({ path: '--answer', message: 'required (or --answer-url URL)' });
  if (opts.certFingerprint && !opts.answerUrl)
    throw new UserError({ path: '--cert-fingerprint', message: 'only used with --answer-url' });

  let source: string | undefined;
  if (opts.answer) {
    const text = await readAnswerBounded(opts.answer);
    const parsed = checkAnswer(text);
    if (!parsed.ok) {
      throw new UserError([
        ...parsed.issues,
        {
          path: '--answer',
          message: `${opts.answer} is not a valid answer file; ${opts.outIso} was not written`,
        },
      ]);
    }
    source = parsed.firstBootSource;
    if (source === 'from-iso' && !opts.firstBoot) {
      throw new UserError({
        path: 'first-boot.source',
        message: '"from-iso" needs the hook on the ISO: add --on-first-boot SCRIPT',
      });
    }
  } else {
    const url = opts.answerUrl!;
    if (!/^https?:\/\/[^/\s]+/i.test(url) || /\s/.test(url)) {
      throw new UserError({
        path: '--answer-url',
        message: `expected an http:// or https:// URL, got ${JSON.stringify(url)}`,
      });
    }
    if (opts.certFingerprint !== undefined) {
      if (!isFingerprint(opts.certFingerprint)) {
        throw new UserError({
          path: '--cert-fingerprint',
          message: 'expected a SHA-256 certificate fingerprint: 64 hex digits, colons optional',
        });
      }
      if (!/^https:/i.test(url))
        throw new UserError({
          path: '--cert-fingerprint',
          message: 'a certificate fingerprint needs an https:// URL',
        });
    }
  }
  if (opts.firstBoot) {
    const problem = await checkHook(opts.firstBoot);
    if (problem) throw new UserError(problem);
    // with --answer-url the answer is on a server: its [first-boot] section cannot be checked here
    if (opts.answer && source !== 'from-iso') {
      throw new UserError({
        path: '--on-first-boot',
        message: `the answer file must contain [first-boot] source = "from-iso" for the hook to run (it has ${source ? `source = "${source}"` : 'no [first-boot] section'})`,
      });
    }
  }
}

export async function prepareIso(
  opts: PrepareOptions,
  checkAnswer: AnswerCheck,
  runner: CommandRunner = createRunner('real'),
): Promise<{
  outIso: string;
  volumeId: string;
  files: string[];
  boot: BootSignature;
  bytes: number;
}> {
  // 1. the request, the answer validated before anything else happens
  await checkRequest(opts, checkAnswer);
  const inIso = resolve(opts.inIso);
  const outIso = resolve(opts.outIso);

  // 2. the input ISO
  const before = await probeIso(runner, inIso, '--in');
  if (before.boot.elTorito.length === 0) {
    throw new UserError({
      path: '--in',
      message: `${opts.inIso} has no El Torito boot image: not a bootable openve ISO`,
    });
  }

  const scratch = await mkdtemp(join(tmpdir(), 'openve-prepare-iso-'));
  const partial = `${outIso}.partial-${process.pid}`;
  try {
    const add: EmbedFile[] = [];
    if (opts.answer) add.push({ source: resolve(opts.answer), isoPath: ISO_ANSWER, mode: '0600' });
    else {
      const urlFile = join(scratch, ANSWER_URL_FILE_NAME);
      await writeFile(urlFile, renderAnswerUrlFile(opts.answerUrl!, opts.certFingerprint));
      add.push({ source: urlFile, isoPath: ISO_ANSWER_URL, mode: '0644' });
    }
    if (opts.firstBoot)
      add.push({ source: resolve(opts.firstBoot), isoPath: ISO_FIRST_BOOT, mode: '0755' });
    // what an earlier prepare-iso left and this one does not replace must go: a stale hook would
    // run, a stale answer.toml would win over a new answer URL
    const managed: [string, string][] = [
      [ANSWER_FILE_NAME, ISO_ANSWER],
      [ANSWER_URL_FILE_NAME, ISO_ANSWER_URL],
      [FIRST_BOOT_FILE_NAME, ISO_FIRST_BOOT],
    ];
    const remove = managed
      .filter(
        ([name, path]) => before.openveFiles.includes(name) && !add.some((a) => a.isoPath === path),
      )
      .map(([, p]) => p);

    // 3. write next to OUT, check, then rename: OUT is never a half-written or unbootable image
    await rm(partial, { force: true });
    const w = await runner.run(
      embedArgv({ inIso, outIso: partial, volumeId: before.volumeId, remove, add }),
      { reject: false, timeoutMs: 30 * 60_000 },
    );
    if (w.exitCode !== 0) {
      const tail = `${w.stdout}\n${w.stderr}`
        .trim()
        .split('\n')
        .filter((l) => /FAILURE|SORRY|MISHAP|FATAL|aborting/.test(l))
        .slice(-5)
        .join('; ');
      throw new Error(
        `xorriso could not write ${opts.outIso} (exit ${w.exitCode}): ${tail || 'no message'}`,
      );
    }
    const after = await probeIso(runner, partial, '--out');
    const problems = compareBoot(before.boot, after.boot);
    if (after.volumeId !== before.volumeId)
      problems.push(`volume id changed from ${before.volumeId} to ${after.volumeId}`);
    for (const f of add)
      if (!after.openveFiles.includes(f.isoPath.split('/').pop()!))
        problems.push(`${f.isoPath} is missing`);
    for (const p of remove)
      if (after.openveFiles.includes(p.split('/').pop()!)) problems.push(`${p} is still there`);
    if (problems.length)
      throw new Error(`the written ISO failed its check, nothing kept: ${problems.join('; ')}`);
    await rename(partial, outIso);
    const bytes = (await stat(outIso)).size;
    return {
      outIso,
      volumeId: after.volumeId,
      files: add.map((a) => a.isoPath),
      boot: after.boot,
      bytes,
    };
  } finally {
    await rm(partial, { force: true });
    await rm(scratch, { recursive: true, force: true });
  }
}
