// openve-install report --url https://SERVER/progress/TOKEN [--fingerprint FP] [--log FILE]
// On a network-booted live system: reads the installer's output (progress events as JSON lines,
// other lines ignored) on stdin and posts the events to the fleet server, batched, over HTTPS
// with the server's certificate pinned. At the end, when the install did not finish well, the
// last lines of --log go to the server too.
//
// It never fails the install: it always reads stdin to the end (the installer writes into it)
// and exits 0. What goes wrong is said on stderr, once per kind (a missing or bad --url, a bad
// --fingerprint, each kind of failed post), with the URL's secrets redacted: userinfo, `token=`
// query values and the per-machine token in /progress/TOKEN and /log/TOKEN.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parseCommandArgs } from '../../lib/args.ts';
import { fetchPinned, isFingerprint, PinnedFetchError } from '../../lib/net/pinned.ts';
import { progressEventSchema } from '../../contracts/progress-schema.ts';
import type { ProgressEvent } from '../../contracts/progress.ts';
import { toJsonLine } from '../../contracts/progress.ts';

const FLUSH_MS = 1000;
const LOG_TAIL_BYTES = 32 * 1024;
const PREFIX = 'openve-install report';

export interface ReportIo {
  stdin: Readable;
  stderr: { write(text: string): unknown };
}

/** Secret parts of a URL, as literal strings: userinfo, token-like query values, the path token. */
function secretsOf(url: string | undefined): string[] {
  if (!url) return [];
  const out: string[] = [];
  try {
    const u = new URL(url);
    out.push(
      u.username,
      u.password,
      decodeURIComponent(u.username),
      decodeURIComponent(u.password),
    );
    for (const [k, v] of u.searchParams) if (SECRET_PARAM.test(k)) out.push(v);
  } catch {
    // not a URL: the patterns below still apply
  }
  const token = /\/(?:progress|log)\/([^/?#\s]+)/.exec(url)?.[1];
  if (token) out.push(token, decodeURIComponent(token));
  return out.filter((s) => s.length >= 3);
}

const SECRET_PARAM = /^(token|access_token|auth|key|password|secret)$/i;

/** Every message goes through this: the URL's secrets never reach stderr. */
export function redact(text: string, url?: string): string {
  let out = text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi, '$1***@')
    .replace(/[^\s/?#@'"]+:[^\s/?#@'"]*@/g, '***@') // user:password@ without a scheme
    .replace(/([?&](?:token|access_token|auth|key|password|secret)=)[^&#\s"']*/gi, '$1***')
    .replace(/\/(progress|log)\/[^/?#\s"']+/g, '/$1/***');
  for (const s of secretsOf(url)) out = out.split(s).join('***');
  return out;
}

/** What is wrong with --url / --fingerprint (null: posting can go ahead). */
export function checkTarget(
  url: string | undefined,
  fingerprint: string | undefined,
): { kind: string; message: string } | null {
  if (url === undefined || url.trim() === '')
    return { kind: 'url', message: '--url: missing; progress is not reported to the server' };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { kind: 'url', message: `--url: not a URL (${url}); progress is not reported` };
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    return {
      kind: 'url',
      message: `--url: ${u.protocol} is not http(s) (${url}); progress is not reported`,
    };
  if (!/\/progress\/[^/]+$/.test(u.pathname))
    return {
      kind: 'url',
      message: `--url: expected https://SERVER/progress/TOKEN, got ${url}; progress is not reported`,
    };
  if (fingerprint) {
    if (!isFingerprint(fingerprint))
      return {
        kind: 'fingerprint',
        message:
          '--fingerprint: not a SHA-256 fingerprint (64 hex digits, colons optional); progress is not reported',
      };
    if (u.protocol !== 'https:')
      return {
        kind: 'fingerprint',
        message: `--fingerprint: needs an https:// --url, got ${url}; progress is not reported`,
      };
  }
  return null;
}

export async function run(
  args: string[],
  io: ReportIo = { stdin: process.stdin, stderr: process.stderr },
): Promise<number> {
  const warned = new Set<string>();
  let url: string | undefined;
  /** one line per kind of problem, secrets redacted */
  const warn = (kind: string, message: string) => {
    if (warned.has(kind)) return;
    warned.add(kind);
    io.stderr.write(`${PREFIX}: warning: ${redact(message, url)}\n`);
  };

  let values: { url?: string; fingerprint?: string; log?: string } = {};
  try {
    values = parseCommandArgs('report', args, {
      url: { type: 'string' },
      fingerprint: { type: 'string' },
      log: { type: 'string' },
    }).values;
  } catch (err) {
    // still read stdin to the end below: the installer must never write into a closed pipe
    const raw = args.find((a) => /^--url(=|$)/.test(a));
    url = raw?.includes('=') ? raw.slice(raw.indexOf('=') + 1) : args[args.indexOf('--url') + 1];
    warn('args', `${err instanceof Error ? err.message : String(err)}; progress is not reported`);
  }
  url ??= values.url;
  const bad = warned.size > 0 ? null : checkTarget(values.url, values.fingerprint);
  if (bad) warn(bad.kind, bad.message);
  const target = warned.size === 0 ? values.url : undefined;
  const pin = values.fingerprint ? { fingerprint: values.fingerprint } : {};
  let pending: ProgressEvent[] = [];
  let sending: Promise<void> = Promise.resolve();
  let posts = 0;
  let failures = 0;
  let finishedOk = false;
  let sawFinished = false;

  const post = (to: string, body: string) => {
    posts++;
    return fetchPinned(to, {
      ...pin,
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-ndjson' },
      timeoutMs: 15_000,
    }).then(
      () => undefined,
      (err: unknown) => {
        failures++;
        const kind = err instanceof PinnedFetchError ? err.kind : 'error';
        const why = err instanceof Error ? err.message : String(err);
        warn(`post:${kind}`, `posting progress failed (${kind}): ${why}; the install goes on`);
      },
    );
  };
  const flush = () => {
    if (!target || pending.length === 0) return sending;
    const batch = pending;
    pending = [];
    sending = sending.then(() => post(target, batch.map(toJsonLine).join('')));
    return sending;
  };
  const timer = setInterval(() => void flush(), FLUSH_MS);

  try {
    const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.startsWith('{')) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue;
      }
      const r = progressEventSchema.safeParse(value);
      if (!r.success) continue;
      if (target) pending.push(r.data);
      if (r.data.type === 'finished') {
        sawFinished = true;
        finishedOk = r.data.ok;
      }
    }
  } catch (err) {
    warn(
      'stdin',
      `reading the installer's output failed: ${err instanceof Error ? err.message : String(err)}`,
    );
  } finally {
    clearInterval(timer);
  }
  await flush();
  if (target && !finishedOk && values.log) {
    let tail: string;
    try {
      tail = readFileSync(values.log, 'utf8').slice(-LOG_TAIL_BYTES);
    } catch {
      tail = `(no log at ${values.log})`;
    }
    const head = sawFinished ? 'install failed' : 'installer ended without finishing';
    await post(target.replace(/\/progress\/([^/]+)$/, '/log/$1'), `${head}\n${tail}`);
  }
  if (failures) warn('summary', `${failures} of ${posts} posts to the server failed`);
  return 0;
}
