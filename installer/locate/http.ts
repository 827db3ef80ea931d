// HTTP(S) answer sources: the URL from the kernel command line, the ISO, DHCP or DNS. Like
// Proxmox, the answer is requested with a POST of the system summary (the server may choose
// an answer per machine); servers that only serve files (405/501) get a plain GET.
import { PinnedFetchError, safeUrl } from '../../lib/net/pinned.ts';
import {
  cleanValue,
  parseAnswerUrlFile,
  parseDhclientLeases,
  parseNetworkdLease,
  parseResolvSearch,
  type UrlHint,
} from './leases.ts';
import { DNS_FINGERPRINT_NAMES, DNS_URL_NAMES } from './paths.ts';
import type { Attempt, FoundAnswer, LocateEnv, SourceKind } from './types.ts';

export interface SourceOutcome {
  attempt: Attempt;
  answer?: FoundAnswer;
}

/**
 * Fetch the answer; network errors and timeouts are retried every 2 s until `waitUntil` (the live
 * ISO starts the installer without waiting for DHCP, so the first tries may find no network).
 */
export async function fetchAnswer(
  env: LocateEnv,
  source: SourceKind,
  url: string,
  fingerprint: string | undefined,
  how: string,
  waitUntil = 0,
): Promise<SourceOutcome> {
  const now = env.now ?? Date.now;
  const started = now();
  let info: unknown;
  try {
    info = await env.systemInfo();
  } catch (err) {
    env.log?.(
      `system summary unavailable (${err instanceof Error ? err.message : String(err)}); posting an empty one`,
    );
    info = {};
  }
  for (let tries = 1; ; tries++) {
    const { outcome, retriable } = await fetchOnce(env, source, url, fingerprint, how, info);
    if (!retriable || now() >= waitUntil) {
      if (tries > 1)
        outcome.attempt.reason += ` (${tries} tries over ${Math.round((now() - started) / 1000)} s)`;
      return outcome;
    }
    env.log?.(`${safeUrl(url)}: ${outcome.attempt.reason}; waiting for the network`);
    await (env.sleep ?? defaultSleep)(2000);
  }
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function fetchOnce(
  env: LocateEnv,
  source: SourceKind,
  url: string,
  fingerprint: string | undefined,
  how: string,
  info: unknown,
): Promise<{ outcome: SourceOutcome; retriable: boolean }> {
  const where = safeUrl(url);
  const timeoutMs = env.httpTimeoutMs ?? 30_000;
  const pin = fingerprint ? { fingerprint } : {};
  const done = (outcome: SourceOutcome, retriable = false) => ({ outcome, retriable });
  try {
    let res = await env.fetch(url, {
      ...pin,
      method: 'POST',
      body: JSON.stringify(info),
      headers: { 'content-type': 'application/json' },
      timeoutMs,
      acceptAnyStatus: true,
    });
    if (res.status === 405 || res.status === 501)
      res = await env.fetch(url, { ...pin, method: 'GET', timeoutMs, acceptAnyStatus: true });
    if (res.status < 200 || res.status > 299) {
      return done({
        attempt: {
          source,
          where,
          status: 'failed',
          reason: `${how}; HTTP ${res.status} ${res.statusText}`.trimEnd(),
        },
      });
    }
    const text = res.text();
    if (!text.trim())
      return done({
        attempt: {
          source,
          where,
          status: 'failed',
          reason: `${how}; the server returned an empty body`,
        },
      });
    const answer: FoundAnswer = { source, where, text, withInstallMedia: false };
    if (res.peerFingerprint) answer.fingerprint = res.peerFingerprint;
    const trust = fingerprint
      ? ', certificate pinned'
      : url.startsWith('https:')
        ? ', certificate verified'
        : '';
    return done({
      attempt: {
        source,
        where,
        status: 'found',
        reason: `${how}; HTTP ${res.status}, ${res.body.length} bytes${trust}`,
      },
      answer,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const retriable =
      err instanceof PinnedFetchError && (err.kind === 'network' || err.kind === 'timeout');
    return done(
      { attempt: { source, where, status: 'failed', reason: `${how}; ${message}` } },
      retriable,
    );
  }
}

/** answer-url.txt on the ISO */
export async function isoUrlHint(
  env: LocateEnv,
): Promise<{ hint?: UrlHint & { url: string }; attempt?: Attempt }> {
  const where = env.paths.isoAnswerUrl;
  const file = await env.readFile(where);
  if (file === null) return {};
  const parsed = parseAnswerUrlFile(file.toString('utf8'));
  if (!parsed.ok)
    return { attempt: { source: 'http-iso-url', where, status: 'failed', reason: parsed.message } };
  return { hint: parsed.value };
}

/** DHCP option 250/251 from dhclient or systemd-networkd leases; reasons for each file looked at. */
export async function dhcpUrlHint(env: LocateEnv): Promise<{
  hint?: UrlHint & { url: string };
  where: string;
  looked: string[];
  leaseSeen: boolean;
}> {
  const looked: string[] = [];
  let leaseSeen = false;
  for (const file of env.paths.dhclientLeases) {
    const text = await env.readFile(file);
    if (text === null) {
      looked.push(`${file}: absent`);
      continue;
    }
    leaseSeen = true;
    const hint = parseDhclientLeases(text.toString('utf8'));
    if (hint.url) return { hint: { ...hint, url: hint.url }, where: file, looked, leaseSeen };
    looked.push(`${file}: no answer URL option`);
  }
  const dir = env.paths.networkdLeaseDir;
  const entries = await env.listDir(dir);
  if (entries === null) looked.push(`${dir}: absent`);
  else if (entries.length === 0) looked.push(`${dir}: no leases`);
  for (const name of (entries ?? []).sort()) {
    const file = `${dir}/${name}`;
    const text = await env.readFile(file);
    if (text === null) continue;
    leaseSeen = true;
    const hint = parseNetworkdLease(text.toString('utf8'));
    if (hint.url) return { hint: { ...hint, url: hint.url }, where: file, looked, leaseSeen };
    looked.push(`${file}: no option 250`);
  }
  return { where: [...env.paths.dhclientLeases, dir].join(', '), looked, leaseSeen };
}

async function firstTxt(
  env: LocateEnv,
  names: string[],
): Promise<{ value?: string; tried: string[] }> {
  const tried: string[] = [];
  for (const name of names) {
    try {
      const records = await env.resolveTxt(name);
      const value = records.map((chunks) => cleanValue(chunks.join(''))).find((v) => v);
      if (value) return { value, tried };
      tried.push(`${name}: empty`);
    } catch (err) {
      tried.push(`${name}: ${(err as { code?: string }).code ?? (err as Error).message}`);
    }
  }
  return { tried };
}

/** DNS TXT records `openve-answer.<search domain>` (then Proxmox's `proxmox-auto-installer.<domain>`). */
export async function dnsUrlHint(
  env: LocateEnv,
): Promise<{ hint?: UrlHint & { url: string }; where: string; reason: string }> {
  const resolv = await env.readFile(env.paths.resolvConf);
  const domains = resolv === null ? [] : parseResolvSearch(resolv.toString('utf8'));
  if (domains.length === 0) {
    return {
      where: env.paths.resolvConf,
      reason: `no search domain in ${env.paths.resolvConf}${resolv === null ? ' (absent)' : ''}`,
    };
  }
  const tried: string[] = [];
  for (const domain of domains) {
    const url = await firstTxt(
      env,
      DNS_URL_NAMES.map((n) => `${n}.${domain}`),
    );
    tried.push(...url.tried);
    if (!url.value) continue;
    const fp = await firstTxt(
      env,
      DNS_FINGERPRINT_NAMES.map((n) => `${n}.${domain}`),
    );
    const hint: UrlHint & { url: string } = { url: url.value };
    if (fp.value) hint.fingerprint = fp.value;
    return { hint, where: `TXT ${DNS_URL_NAMES[0]}.${domain}`, reason: '' };
  }
  return {
    where: `TXT ${DNS_URL_NAMES.map((n) => `${n}.${domains[0]}`).join(', ')}`,
    reason: `no TXT record (${tried.join('; ')})`,
  };
}
