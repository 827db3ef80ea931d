// Where the unattended install's answer comes from (docs/design.md §3), in order:
//   1. kernel parameter openve.answer=<url> [openve.answer-fingerprint=<sha256>]
//   2. the ISO: /run/live/medium/openve/answer.toml (put there by build-iso --answer or prepare-iso)
//   3. a partition / USB stick labelled OPENVE-AIS with answer.toml at its top level
//   4. HTTP(S): the URL in /run/live/medium/openve/answer-url.txt, else DHCP option 250, else DNS TXT
// A source that was explicitly asked for and fails ends the search: silently installing from a
// different answer than the one the administrator pointed at could wipe the wrong machine.
import { isFingerprint, normalizeFingerprint, safeUrl } from '../../lib/net/pinned.ts';
import { formatIssue } from '../../lib/errors.ts';
import { parseBootParams, type BootParams } from './cmdline.ts';
import { dhcpUrlHint, dnsUrlHint, fetchAnswer, isoUrlHint, type SourceOutcome } from './http.ts';
import { fromPartition } from './partition.ts';
import type { Attempt, FoundAnswer, LocateEnv, LocateResult, SourceKind } from './types.ts';

const ORDER: SourceKind[] = [
  'kernel-cmdline',
  'iso',
  'partition',
  'http-iso-url',
  'http-dhcp',
  'http-dns',
];

function modeAllows(boot: BootParams, source: SourceKind): boolean {
  if (!boot.answerMode) return true;
  if (boot.answerMode === 'http') return source.startsWith('http-');
  return boot.answerMode === source;
}

async function firstBootOnIso(env: LocateEnv): Promise<FoundAnswer['firstBoot']> {
  const hook = await env.readFile(env.paths.isoFirstBoot);
  return hook === null ? undefined : { where: env.paths.isoFirstBoot, content: hook };
}

function pickFingerprint(
  source: SourceKind,
  ...candidates: (string | undefined)[]
): { fp?: string; bad?: Attempt } {
  for (const c of candidates) {
    if (!c) continue;
    if (!isFingerprint(c)) {
      return {
        bad: {
          source,
          where: '',
          status: 'failed',
          reason: `certificate fingerprint ${JSON.stringify(c)} is not 64 hex digits`,
        },
      };
    }
    return { fp: normalizeFingerprint(c) };
  }
  return {};
}

export async function locateAnswer(env: LocateEnv): Promise<LocateResult> {
  const cmdlineText = (await env.readFile(env.paths.cmdline))?.toString('utf8') ?? '';
  const boot = parseBootParams(cmdlineText);
  const now = env.now ?? Date.now;
  const started = now();
  const waitUntil = started + (env.networkWaitMs ?? 0);
  const attempts: Attempt[] = [];
  const done = (answer?: FoundAnswer): LocateResult => {
    // everything after the deciding source is reported as not searched
    for (const s of ORDER) {
      if (!attempts.some((a) => a.source === s)) {
        attempts.push({
          source: s,
          where: '-',
          status: 'skipped',
          reason: answer
            ? 'an earlier source had the answer'
            : 'an earlier source was there but failed; not falling back to a different answer',
        });
      }
    }
    return answer ? { answer, attempts, boot } : { attempts, boot };
  };
  const skip = (source: SourceKind, where: string) =>
    attempts.push({
      source,
      where,
      status: 'skipped',
      reason: `openve.answer=${boot.answerMode} restricts the search`,
    });

  // 1. kernel parameter
  const cmdIssue = boot.issues.find((i) => i.path.includes('openve.answer'));
  if (cmdIssue) {
    attempts.push({
      source: 'kernel-cmdline',
      where: env.paths.cmdline,
      status: 'failed',
      reason: formatIssue(cmdIssue),
    });
    return done();
  }
  if (boot.answerUrl) {
    const r = await fetchAnswer(
      env,
      'kernel-cmdline',
      boot.answerUrl,
      boot.answerFingerprint,
      'openve.answer= on the kernel command line',
      waitUntil,
    );
    attempts.push(r.attempt);
    return done(r.answer);
  }
  attempts.push({
    source: 'kernel-cmdline',
    where: env.paths.cmdline,
    status: 'not-found',
    reason: boot.answerMode
      ? `openve.answer=${boot.answerMode} selects a source, no URL`
      : 'no openve.answer= parameter',
  });

  // 2. file on the ISO
  if (!modeAllows(boot, 'iso')) skip('iso', env.paths.isoAnswer);
  else {
    const text = await env.readFile(env.paths.isoAnswer).catch((err: Error) => err);
    if (text instanceof Error) {
      attempts.push({
        source: 'iso',
        where: env.paths.isoAnswer,
        status: 'failed',
        reason: `cannot read: ${text.message}`,
      });
      return done();
    }
    if (text !== null) {
      attempts.push({
        source: 'iso',
        where: env.paths.isoAnswer,
        status: 'found',
        reason: `read ${text.length} bytes`,
      });
      const answer: FoundAnswer = {
        source: 'iso',
        where: env.paths.isoAnswer,
        text: text.toString('utf8'),
        withInstallMedia: true,
      };
      const hook = await firstBootOnIso(env);
      if (hook) answer.firstBoot = hook;
      return done(answer);
    }
    attempts.push({
      source: 'iso',
      where: env.paths.isoAnswer,
      status: 'not-found',
      reason: 'no such file on the boot medium',
    });
  }

  // 3. partition labelled OPENVE-AIS
  if (!modeAllows(boot, 'partition')) skip('partition', 'block devices');
  else {
    const r = await fromPartition(env).catch((err: Error): SourceOutcome => ({
      attempt: {
        source: 'partition',
        where: 'block devices',
        status: 'failed',
        reason: err.message,
      },
    }));
    attempts.push(r.attempt);
    if (r.answer) return done(r.answer);
    // a stick that is there but unusable was meant to be used: stop
    if (r.attempt.status === 'failed') return done();
  }

  // 4. HTTP: URL on the ISO, else DHCP, else DNS
  if (!modeAllows(boot, 'http-iso-url')) {
    skip('http-iso-url', env.paths.isoAnswerUrl);
    skip('http-dhcp', 'DHCP leases');
    skip('http-dns', 'DNS');
    return done();
  }
  const iso = await isoUrlHint(env);
  if (iso.attempt) {
    attempts.push(iso.attempt);
    return done();
  }
  if (iso.hint) {
    const fp = pickFingerprint('http-iso-url', iso.hint.fingerprint, boot.answerFingerprint);
    const r = await fetchAnswer(
      env,
      'http-iso-url',
      iso.hint.url,
      fp.fp,
      `from ${env.paths.isoAnswerUrl}`,
      waitUntil,
    );
    attempts.push(r.attempt);
    if (r.answer) {
      const hook = await firstBootOnIso(env);
      if (hook) r.answer.firstBoot = hook;
    }
    return done(r.answer);
  }
  attempts.push({
    source: 'http-iso-url',
    where: env.paths.isoAnswerUrl,
    status: 'not-found',
    reason: 'no such file on the boot medium',
  });

  // the DHCP client may not have a lease yet: wait for one (any lease ends the wait)
  let dhcp = await dhcpUrlHint(env);
  while (!dhcp.hint && !dhcp.leaseSeen && now() < waitUntil) {
    await (env.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))))(1000);
    dhcp = await dhcpUrlHint(env);
  }
  if (dhcp.hint) {
    const fp = pickFingerprint('http-dhcp', boot.answerFingerprint, dhcp.hint.fingerprint);
    if (fp.bad) {
      attempts.push({ ...fp.bad, where: dhcp.where, reason: `DHCP option 251: ${fp.bad.reason}` });
      return done();
    }
    const r = await fetchAnswer(
      env,
      'http-dhcp',
      dhcp.hint.url,
      fp.fp,
      `DHCP option 250 in ${dhcp.where}`,
      waitUntil,
    );
    attempts.push(r.attempt);
    return done(r.answer);
  }
  const waited =
    dhcp.leaseSeen || env.networkWaitMs === undefined || env.networkWaitMs <= 0
      ? ''
      : `; waited ${Math.round((now() - started) / 1000)} s for a DHCP lease`;
  attempts.push({
    source: 'http-dhcp',
    where: dhcp.where,
    status: 'not-found',
    reason: `no DHCP option 250 (${dhcp.looked.join('; ')}${waited})`,
  });

  const dns = await dnsUrlHint(env);
  if (dns.hint) {
    const fp = pickFingerprint('http-dns', boot.answerFingerprint, dns.hint.fingerprint);
    if (fp.bad) {
      attempts.push({ ...fp.bad, where: dns.where });
      return done();
    }
    const r = await fetchAnswer(
      env,
      'http-dns',
      dns.hint.url,
      fp.fp,
      `${dns.where} = ${safeUrl(dns.hint.url)}`,
      waitUntil,
    );
    attempts.push(r.attempt);
    return done(r.answer);
  }
  attempts.push({ source: 'http-dns', where: dns.where, status: 'not-found', reason: dns.reason });
  return done();
}
