// Pure: what was searched, for the console and for --json.
import { safeUrl } from '../../lib/net/pinned.ts';
import type { Attempt, LocateResult, SourceKind } from './types.ts';
import { PARTITION_LABEL } from './paths.ts';

export const SOURCE_TITLES: Record<SourceKind, string> = {
  'kernel-cmdline': 'kernel parameter',
  iso: 'file on the ISO',
  partition: `partition labelled ${PARTITION_LABEL}`,
  'http-iso-url': 'HTTP, URL on the ISO',
  'http-dhcp': 'HTTP, URL from DHCP',
  'http-dns': 'HTTP, URL from DNS TXT',
};

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function formatAttempts(attempts: readonly Attempt[]): string[] {
  const t = Math.max(...attempts.map((a) => SOURCE_TITLES[a.source].length));
  return attempts.map(
    (a, i) =>
      `  ${i + 1}. ${pad(SOURCE_TITLES[a.source], t)}  ${a.where}\n     ${a.status.replace('-', ' ')}: ${a.reason}`,
  );
}

/** The text printed when no answer was found (or to show where it came from). */
export function formatReport(result: LocateResult): string {
  const lines: string[] = [];
  if (result.answer) {
    lines.push(`Answer file found: ${SOURCE_TITLES[result.answer.source]} ${result.answer.where}`);
    if (result.answer.firstBoot) lines.push(`First-boot hook: ${result.answer.firstBoot.where}`);
    lines.push('Searched, in order:');
  } else {
    lines.push('No answer file found. Searched, in order:');
  }
  lines.push(...formatAttempts(result.attempts));
  for (const issue of result.boot.issues) lines.push(`warning: ${issue.path}: ${issue.message}`);
  if (!result.answer) {
    lines.push(
      'Provide one with: the kernel parameter openve.answer=<http(s) URL> [openve.answer-fingerprint=<sha256>],',
      '`openve-install prepare-iso --in ISO --answer answer.toml --out ISO`,',
      `a USB stick or partition labelled ${PARTITION_LABEL} holding answer.toml,`,
      'or DHCP option 250 (URL) / 251 (certificate fingerprint).',
    );
  }
  return lines.join('\n');
}

/** JSON-friendly summary (no answer text: it may hold a password). */
export function resultJson(
  result: LocateResult,
  saved?: { answer?: string; firstBoot?: string },
): unknown {
  const a = result.answer;
  return {
    found: Boolean(a),
    ...(a
      ? {
          source: a.source,
          where: a.where.startsWith('http') ? safeUrl(a.where) : a.where,
          withInstallMedia: a.withInstallMedia,
          ...(a.fingerprint ? { fingerprint: a.fingerprint } : {}),
          ...(a.firstBoot
            ? { firstBoot: { where: a.firstBoot.where, bytes: a.firstBoot.content.length } }
            : {}),
        }
      : {}),
    ...(saved ? { saved } : {}),
    confirmWipe: result.boot.confirmWipe,
    unattended: Boolean(a) || result.boot.auto,
    attempts: result.attempts,
    warnings: result.boot.issues,
  };
}
