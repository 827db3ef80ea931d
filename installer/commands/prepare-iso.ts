// openve-install prepare-iso --in ISO --answer A [--on-first-boot SCRIPT] --out ISO
// Embeds a validated answer (and optionally an executable first-boot hook) into an existing ISO
// without rebuilding it; booting the result installs unattended (grub.cfg defaults to the
// unattended entry when /openve/answer.toml is on the medium). OUT is written atomically: a bad
// answer, a non-ISO input or any loss of boot equipment leaves no OUT behind.
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseAnswers } from '../answers/parse.ts';
import { UserError, type Issue } from '../errors.ts';
import { realRunner } from '../exec/runner.ts';
import type { CommandRunner } from '../exec/types.ts';
import {
  ISO_ANSWER,
  ISO_FIRST_BOOT,
  compareBoot,
  embedArgv,
  parseBootSignature,
  parseLsl,
  parseVolumeId,
  type BootSignature,
} from '../locate/embed.ts';
import { ISO_OPENVE_DIR } from '../locate/paths.ts';
import { parseCommandArgs } from './args.ts';

interface IsoFacts {
  volumeId: string;
  boot: BootSignature;
  openveFiles: string[];
}

async function probeIso(runner: CommandRunner, iso: string, flag: string): Promise<IsoFacts> {
  const r = await runner.run(
    ['xorriso', '-indev', iso, '-pvd_info', '-report_el_torito', 'plain', '-report_system_area', 'plain', '-lsl', `/${ISO_OPENVE_DIR}`],
    { reject: false, timeoutMs: 120_000 },
  );
  const text = `${r.stdout}\n${r.stderr}`;
  const volumeId = parseVolumeId(text);
  if (!volumeId || /No ISO 9660 image at LBA|is blank/.test(text)) {
    const why = text.split('\n').find((l) => /FAILURE|SORRY|No ISO 9660/.test(l))?.trim();
    throw new UserError({ path: flag, message: `${iso} is not an ISO 9660 image${why ? ` (${why})` : ''}` });
  }
  return { volumeId, boot: parseBootSignature(text), openveFiles: parseLsl(text) };
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
  if (!(head[0] === 0x23 && head[1] === 0x21) && !head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) {
    return { path: '--on-first-boot', message: `${path} must start with an interpreter line such as #!/bin/sh (or be an ELF executable)` };
  }
  return undefined;
}

export async function prepareIso(
  opts: { inIso: string; answer: string; firstBoot?: string; outIso: string },
  runner: CommandRunner = realRunner(),
): Promise<{ outIso: string; volumeId: string; files: string[]; boot: BootSignature; bytes: number }> {
  const inIso = resolve(opts.inIso);
  const outIso = resolve(opts.outIso);
  if (inIso === outIso) throw new UserError({ path: '--out', message: 'must differ from --in (the input ISO is read while the output is written)' });

  // 1. the answer, validated before anything else happens
  let text: string;
  try {
    text = await readFile(opts.answer, 'utf8');
  } catch {
    throw new UserError({ path: '--answer', message: `${opts.answer}: cannot read the answer file` });
  }
  const parsed = parseAnswers(text);
  if (!parsed.ok) {
    throw new UserError([...parsed.issues, { path: '--answer', message: `${opts.answer} is not a valid answer file; ${opts.outIso} was not written` }]);
  }
  const source = parsed.value.firstBoot?.source;
  if (source === 'from-iso' && !opts.firstBoot) {
    throw new UserError({ path: 'first-boot.source', message: '"from-iso" needs the hook on the ISO: add --on-first-boot SCRIPT' });
  }
  if (opts.firstBoot) {
    const problem = await checkHook(opts.firstBoot);
    if (problem) throw new UserError(problem);
    if (source !== 'from-iso') {
      throw new UserError({
        path: '--on-first-boot',
        message: `the answer file must contain [first-boot] source = "from-iso" for the hook to run (it has ${source ? `source = "${source}"` : 'no [first-boot] section'})`,
      });
    }
  }

  // 2. the input ISO
  const before = await probeIso(runner, inIso, '--in');
  if (before.boot.elTorito.length === 0) {
    throw new UserError({ path: '--in', message: `${opts.inIso} has no El Torito boot image: not a bootable openve ISO` });
  }
  // a hook left by an earlier prepare-iso must not survive when none is given now
  const remove = !opts.firstBoot && before.openveFiles.includes('first-boot') ? [ISO_FIRST_BOOT] : [];

  // 3. write next to OUT, check, then rename: OUT is never a half-written or unbootable image
  const partial = `${outIso}.partial-${process.pid}`;
  await rm(partial, { force: true });
  try {
    const files = { inIso, outIso: partial, answer: resolve(opts.answer), volumeId: before.volumeId, remove };
    const argv = embedArgv(opts.firstBoot ? { ...files, firstBoot: resolve(opts.firstBoot) } : files);
    const w = await runner.run(argv, { reject: false, timeoutMs: 30 * 60_000 });
    if (w.exitCode !== 0) {
      const tail = `${w.stdout}\n${w.stderr}`.trim().split('\n').filter((l) => /FAILURE|SORRY|MISHAP|FATAL|aborting/.test(l)).slice(-5).join('; ');
      throw new Error(`xorriso could not write ${opts.outIso} (exit ${w.exitCode}): ${tail || 'no message'}`);
    }
    const after = await probeIso(runner, partial, '--out');
    const problems = compareBoot(before.boot, after.boot);
    if (after.volumeId !== before.volumeId) problems.push(`volume id changed from ${before.volumeId} to ${after.volumeId}`);
    const want = ['answer.toml', ...(opts.firstBoot ? ['first-boot'] : [])];
    for (const f of want) if (!after.openveFiles.includes(f)) problems.push(`/${ISO_OPENVE_DIR}/${f} is missing`);
    if (problems.length) throw new Error(`the written ISO failed its check, nothing kept: ${problems.join('; ')}`);
    await rename(partial, outIso);
    const bytes = (await stat(outIso)).size;
    return { outIso, volumeId: after.volumeId, files: [ISO_ANSWER, ...(opts.firstBoot ? [ISO_FIRST_BOOT] : [])], boot: after.boot, bytes };
  } finally {
    await rm(partial, { force: true });
  }
}

export async function run(args: string[], runner?: CommandRunner): Promise<number> {
  const { values } = parseCommandArgs('prepare-iso', args, {
    in: { type: 'string' },
    answer: { type: 'string' },
    'on-first-boot': { type: 'string' },
    out: { type: 'string' },
  });
  const missing: Issue[] = [];
  for (const k of ['in', 'answer', 'out'] as const) if (!values[k]) missing.push({ path: `--${k}`, message: 'required (usage: prepare-iso --in ISO --answer A [--on-first-boot SCRIPT] --out ISO)' });
  if (missing.length) throw new UserError(missing);
  const firstBoot = values['on-first-boot'];
  const r = await prepareIso(
    { inIso: values.in!, answer: values.answer!, outIso: values.out!, ...(firstBoot ? { firstBoot } : {}) },
    runner,
  );
  process.stdout.write(
    `wrote ${r.outIso} (${(r.bytes / 1048576).toFixed(1)} MiB, volume id ${r.volumeId}): ${r.files.join(', ')}\n` +
      `boot kept: ${r.boot.elTorito.join(', ')}; ${r.boot.systemArea}\n`,
  );
  return 0;
}
