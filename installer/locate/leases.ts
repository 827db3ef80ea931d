// Pure parsers for the places a DHCP server or the ISO can hand us an answer URL.
import { isFingerprint, normalizeFingerprint } from '../../lib/net/pinned.ts';
import {
  DHCLIENT_FINGERPRINT_OPTION_NAMES,
  DHCLIENT_URL_OPTION_NAMES,
  DHCP_FINGERPRINT_OPTION,
  DHCP_URL_OPTION,
} from './paths.ts';

export interface UrlHint {
  url?: string;
  fingerprint?: string;
}

/** Values typed into DHCP/DNS server configs often keep their quotes or spaces: drop them. */
export function cleanValue(value: string): string {
  let v = value.replace(/\0+$/, '').trim();
  while (
    v.length >= 2 &&
    ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))
  )
    v = v.slice(1, -1).trim();
  return v;
}

/** dhclient's text leases: `option NAME "value";` (or `option unknown-250 "value"` / hex `00:61:..`). The last lease block wins. */
export function parseDhclientLeases(text: string): UrlHint {
  const blocks = text.split(/^\s*lease\s*\{/m).slice(1);
  let hint: UrlHint = {};
  for (const block of blocks) {
    const current: UrlHint = {};
    for (const raw of block.split('\n')) {
      const m = /^\s*option\s+([\w-]+)\s+(.+?);\s*$/.exec(raw);
      if (!m) continue;
      const [, name, value] = m as unknown as [string, string, string];
      const v = dhclientValue(value);
      if (v === undefined) continue;
      if (DHCLIENT_URL_OPTION_NAMES.includes(name) || name === `unknown-${DHCP_URL_OPTION}`)
        current.url ??= v;
      if (
        DHCLIENT_FINGERPRINT_OPTION_NAMES.includes(name) ||
        name === `unknown-${DHCP_FINGERPRINT_OPTION}`
      )
        current.fingerprint ??= v;
    }
    if (current.url) hint = current;
  }
  return hint;
}

function dhclientValue(value: string): string | undefined {
  const quoted = /^"(.*)"$/.exec(value.trim());
  if (quoted) return cleanValue(quoted[1]!.replace(/\\"/g, '"').replace(/\\\\/g, '\\'));
  // unknown options are printed as colon-separated hex bytes
  if (/^[0-9a-f]{1,2}(:[0-9a-f]{1,2})*$/i.test(value.trim())) {
    return cleanValue(
      Buffer.from(
        value
          .trim()
          .split(':')
          .map((h) => parseInt(h, 16)),
      ).toString('utf8'),
    );
  }
  return undefined;
}

/** systemd-networkd lease file (`KEY=value`); private options are stored as `OPTION_250=<hex>`. */
export function parseNetworkdLease(text: string): UrlHint {
  const hint: UrlHint = {};
  for (const line of text.split('\n')) {
    const m = /^OPTION_(\d+)=([0-9a-fA-F]*)\s*$/.exec(line);
    if (!m) continue;
    const value = cleanValue(Buffer.from(m[2]!, 'hex').toString('utf8'));
    if (Number(m[1]) === DHCP_URL_OPTION && value) hint.url = value;
    if (Number(m[1]) === DHCP_FINGERPRINT_OPTION && value) hint.fingerprint = value;
  }
  return hint;
}

/** `search a.example b.example` (and `domain x`) from resolv.conf, in order. */
export function parseResolvSearch(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === 'search' || key === 'domain')
      for (const d of rest) if (d && !out.includes(d)) out.push(d);
  }
  return out;
}

export { renderAnswerUrlFile } from '../../contracts/medium.ts';

/**
 * answer-url.txt on the ISO: the URL on its own line, optionally a `fingerprint=<sha256>` line
 * (a bare fingerprint line works too); `#` comments and blank lines are ignored.
 */
export function parseAnswerUrlFile(
  text: string,
): { ok: true; value: UrlHint & { url: string } } | { ok: false; message: string } {
  let url: string | undefined;
  let fingerprint: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const kv = /^(url|fingerprint|cert-fingerprint)\s*[=:]\s*(.+)$/i.exec(line);
    const key = kv ? kv[1]!.toLowerCase() : undefined;
    const value = kv ? kv[2]!.trim() : line;
    if ((key === 'url' || !key) && /^https?:\/\//i.test(value)) {
      if (url) return { ok: false, message: `more than one URL (${url}, ${value})` };
      url = value;
    } else if ((key && key !== 'url') || (!key && isFingerprint(value))) {
      if (!isFingerprint(value))
        return {
          ok: false,
          message: `not a SHA-256 certificate fingerprint: ${JSON.stringify(value)}`,
        };
      fingerprint = normalizeFingerprint(value);
    } else {
      return {
        ok: false,
        message: `unexpected line ${JSON.stringify(line)}: expected an http(s) URL or fingerprint=<sha256>`,
      };
    }
  }
  if (!url) return { ok: false, message: 'no http:// or https:// URL in the file' };
  return { ok: true, value: fingerprint ? { url, fingerprint } : { url } };
}
