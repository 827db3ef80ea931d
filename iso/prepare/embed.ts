// The write side of the ISO answer sources: put answer.toml, or answer-url.txt (and a first-boot
// hook) into an existing openve ISO with xorriso, without rebuilding it. xorriso's
// `-boot_image any replay` re-creates the boot equipment of the input (El Torito BIOS + UEFI
// images, the hybrid MBR/GPT with its EFI partition), so the result boots like the original.
// The ISO's grub.cfg makes the unattended entry the default when /openve/answer.toml exists.
import {
  ANSWER_FILE_NAME,
  ANSWER_URL_FILE_NAME,
  FIRST_BOOT_FILE_NAME,
  ISO_OPENVE_DIR,
} from '../../contracts/medium.ts';

export const ISO_ANSWER = `/${ISO_OPENVE_DIR}/${ANSWER_FILE_NAME}`;
export const ISO_ANSWER_URL = `/${ISO_OPENVE_DIR}/${ANSWER_URL_FILE_NAME}`;
export const ISO_FIRST_BOOT = `/${ISO_OPENVE_DIR}/${FIRST_BOOT_FILE_NAME}`;

export interface EmbedFile {
  /** file on this machine */
  source: string;
  /** path inside the ISO */
  isoPath: string;
  /** owner root; the answer may hold a password hash: 0600 */
  mode: '0600' | '0644' | '0755';
}

export interface EmbedSpec {
  inIso: string;
  outIso: string;
  volumeId: string;
  /** ISO paths from an earlier prepare-iso that must not survive (a stale hook, the other answer kind) */
  remove: string[];
  add: EmbedFile[];
}

/** Pure: the one xorriso invocation that writes the new ISO. */
export function embedArgv(spec: EmbedSpec): string[] {
  const argv = [
    'xorriso',
    // problems at SORRY level (e.g. boot equipment that cannot be replayed) fail the run
    '-return_with',
    'SORRY',
    '32',
    '-indev',
    spec.inIso,
    '-outdev',
    spec.outIso,
    '-boot_image',
    'any',
    'replay',
    '-volid',
    spec.volumeId,
  ];
  for (const path of spec.remove) argv.push('-rm', path, '--');
  for (const f of spec.add) {
    argv.push(
      '-map',
      f.source,
      f.isoPath,
      '-chown',
      '0',
      f.isoPath,
      '--',
      '-chgrp',
      '0',
      f.isoPath,
      '--',
      '-chmod',
      f.mode,
      f.isoPath,
      '--',
    );
  }
  argv.push('-commit');
  return argv;
}

/**
 * Pure: the xorriso invocation that reports what prepare-iso checks in an ISO: its volume id
 * (parseVolumeId), boot equipment (parseBootSignature) and the files under `dir` (parseLsl).
 */
export function probeArgv(iso: string, dir: string): string[] {
  return [
    'xorriso',
    '-indev',
    iso,
    '-pvd_info',
    '-report_el_torito',
    'plain',
    '-report_system_area',
    'plain',
    '-lsl',
    dir,
  ];
}

/** Pure: `Volume Id    : OPENVE` from `xorriso -pvd_info`. */
export function parseVolumeId(pvdInfo: string): string | undefined {
  const m = /^Volume Id\s*:\s?(.*)$/m.exec(pvdInfo);
  const v = m?.[1]?.trimEnd();
  return v ? v : undefined;
}

/** Pure: names listed by `xorriso -lsl DIR` (quoted, last field). */
export function parseLsl(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^[-dlcbps][rwxsStT-]{9}\s.*\s'(.*)'$/.exec(line);
    if (m) out.push(m[1]!.replace(/'"'"'/g, "'"));
  }
  return out;
}

/** What makes an ISO boot: El Torito images (platform + path), the system area, GPT partitions. */
export interface BootSignature {
  elTorito: string[];
  systemArea: string;
  gptPartitions: string[];
}

/** Pure: from `xorriso -report_el_torito plain -report_system_area plain`. LBAs are left out: they move. */
export function parseBootSignature(report: string): BootSignature {
  const platforms = new Map<string, string>();
  const paths = new Map<string, string>();
  const gptNames = new Map<string, string>();
  const gptPaths = new Map<string, string>();
  let systemArea = '';
  for (const line of report.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^El Torito boot img :\s+(\d+)\s+(\S+)/.exec(line))) platforms.set(m[1]!, m[2]!);
    else if ((m = /^El Torito img path :\s+(\d+)\s+(.*)$/.exec(line)))
      paths.set(m[1]!, m[2]!.trim());
    else if ((m = /^System area summary:\s*(.*)$/.exec(line))) systemArea = m[1]!.trim();
    else if ((m = /^GPT partname local :\s+(\d+)\s+(.*)$/.exec(line)))
      gptNames.set(m[1]!, m[2]!.trim());
    else if ((m = /^GPT partition path :\s+(\d+)\s+(.*)$/.exec(line)))
      gptPaths.set(m[1]!, m[2]!.trim());
  }
  const elTorito = [...platforms.entries()].map(([n, p]) => `${p} ${paths.get(n) ?? '(no path)'}`);
  const gptPartitions = [...gptNames.entries()].map(([n, name]) =>
    gptPaths.has(n) ? `${name} ${gptPaths.get(n)}` : name,
  );
  return { elTorito, systemArea, gptPartitions };
}

/** Pure: how `after` lost boot equipment `before` had; [] when it kept all of it. */
export function compareBoot(before: BootSignature, after: BootSignature): string[] {
  const problems: string[] = [];
  for (const e of before.elTorito)
    if (!after.elTorito.includes(e)) problems.push(`El Torito boot image "${e}" is missing`);
  if (before.systemArea !== after.systemArea)
    problems.push(`system area changed from "${before.systemArea}" to "${after.systemArea}"`);
  for (const p of before.gptPartitions)
    if (!after.gptPartitions.includes(p)) problems.push(`GPT partition "${p}" is missing`);
  return problems;
}
