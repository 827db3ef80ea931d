// openve-install report --url https://SERVER/progress/TOKEN [--fingerprint FP] [--log FILE]
// On a network-booted live system: reads the installer's output (progress events as JSON lines,
// other lines ignored) on stdin and posts the events to the fleet server, batched, over HTTPS
// with the server's certificate pinned. At the end, when the install did not finish well, the
// last lines of --log go to the server too. Never fails the install: errors are only counted.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseCommandArgs } from '../../lib/args.ts';
import { fetchPinned } from '../../lib/net/pinned.ts';
import { progressEventSchema } from '../../contracts/progress-schema.ts';
import type { ProgressEvent } from '../../contracts/progress.ts';
import { toJsonLine } from '../../contracts/progress.ts';

const FLUSH_MS = 1000;
const LOG_TAIL_BYTES = 32 * 1024;

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('report', args, {
    url: { type: 'string' },
    fingerprint: { type: 'string' },
    log: { type: 'string' },
  });
  const url = values.url;
  const pin = values.fingerprint ? { fingerprint: values.fingerprint } : {};
  let pending: ProgressEvent[] = [];
  let sending: Promise<void> = Promise.resolve();
  let failures = 0;
  let finishedOk = false;
  let sawFinished = false;

  const post = (target: string, body: string) =>
    fetchPinned(target, {
      ...pin,
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-ndjson' },
      timeoutMs: 15_000,
    }).then(
      () => undefined,
      () => {
        failures++;
      },
    );
  const flush = () => {
    if (!url || pending.length === 0) return sending;
    const batch = pending;
    pending = [];
    sending = sending.then(() => post(url, batch.map(toJsonLine).join('')));
    return sending;
  };
  const timer = setInterval(() => void flush(), FLUSH_MS);

  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
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
    pending.push(r.data);
    if (r.data.type === 'finished') {
      sawFinished = true;
      finishedOk = r.data.ok;
    }
  }
  clearInterval(timer);
  await flush();
  if (url && !finishedOk && values.log) {
    let tail: string;
    try {
      tail = readFileSync(values.log, 'utf8').slice(-LOG_TAIL_BYTES);
    } catch {
      tail = `(no log at ${values.log})`;
    }
    const head = sawFinished ? 'install failed' : 'installer ended without finishing';
    await post(url.replace(/\/progress\/([^/]+)$/, '/log/$1'), `${head}\n${tail}`);
  }
  if (failures)
    process.stderr.write(`openve-install report: ${failures} posts to the server failed\n`);
  return 0;
}
