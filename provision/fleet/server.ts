// The sockets: HTTP for the boot files (iPXE scripts, kernel, initrd, live layers, payload: iPXE,
// live-boot and the installer fetch them by plain HTTP), HTTPS for what carries secrets or state (answers, progress, the status
// page and API; the certificate is pinned by the fingerprint on each machine's kernel command line).
import { createReadStream } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { parseJson } from '../../contracts/json.ts';
import { parseProgressLines } from '../../contracts/progress-schema.ts';
import { bootedReportSchema, systemInfoSchema, type FleetState } from '../../contracts/fleet.ts';
import type { Fleet, Reply } from './fleet.ts';
import { PAYLOAD_FILES, type Extent } from './iso.ts';
import { stateJson } from './state-json.ts';
import { statusPage } from './status.ts';

const MAX_BODY = 4 * 1024 * 1024;

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.status === 200) {
    res.writeHead(200, {
      'content-type': reply.type,
      'content-length': Buffer.byteLength(reply.body),
      'cache-control': 'no-store',
    });
    res.end(reply.body);
  } else {
    const body = JSON.stringify({ errors: reply.errors });
    res.writeHead(reply.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }
}

const errorReply = (status: 400 | 404 | 500, path: string, message: string): Reply => ({
  status,
  errors: [{ path, message }],
});

export interface BootFiles {
  iso: string;
  extents: Map<string, Extent>;
  /** appended to the ISO's initrd: zero padding, then netboot.ts's cpio (once the layers are hashed) */
  initrdTail: Promise<Buffer>;
  log?: (line: string) => void;
}

/** A served file: byte ranges of the ISO and/or bytes in memory, one after another. */
type Part = { iso: Extent } | { bytes: Buffer };

const partSize = (p: Part) => ('iso' in p ? p.iso.size : p.bytes.length);

/** The parts' bytes from `start` to `end` (inclusive), streamed. */
async function* partBytes(file: string, parts: readonly Part[], start: number, end: number) {
  let at = 0;
  for (const p of parts) {
    const size = partSize(p);
    const from = Math.max(start, at);
    const to = Math.min(end, at + size - 1);
    if (from <= to) {
      if ('bytes' in p) yield p.bytes.subarray(from - at, to - at + 1);
      else
        for await (const chunk of createReadStream(file, {
          start: p.iso.start + from - at,
          end: p.iso.start + to - at,
        }))
          yield chunk as Buffer;
    }
    at += size;
  }
}

/** A file of the ISO (or built on one), with Range support (live-boot and curl may resume). */
function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: string,
  parts: readonly Part[],
  name: string,
) {
  const total = parts.reduce((n, p) => n + partSize(p), 0);
  let start = 0;
  let end = total - 1;
  let status = 200;
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (range && (range[1] || range[2])) {
    if (range[1]) {
      start = Number(range[1]);
      if (range[2]) end = Math.min(Number(range[2]), end);
    } else start = Math.max(0, total - Number(range[2]));
    if (start > end) {
      res.writeHead(416, { 'content-range': `bytes */${total}` });
      res.end();
      return;
    }
    status = 206;
  }
  const headers: http.OutgoingHttpHeaders = {
    'content-type': 'application/octet-stream',
    'content-length': end - start + 1,
    'accept-ranges': 'bytes',
    'content-disposition': `inline; filename="${name}"`,
  };
  if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${total}`;
  res.writeHead(status, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = Readable.from(partBytes(file, parts, start, end));
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/**
 * What a machine fetches by plain HTTP, all of it read from inside the ISO (nothing copied out):
 * iPXE the kernel and the initrd (the ISO's, with netboot.ts's live-boot component appended),
 * the initramfs every live layer (/live/*.squashfs), the installer the payload
 * (/openve/payload.tar.zst and its recorded size). Not the whole ISO.
 */
export function bootHandler(fleet: Fleet, files: BootFiles) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    files.log?.(`http ${req.socket.remoteAddress ?? '?'} ${req.method} ${url.pathname}`);
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, errorReply(400, 'method', 'GET only'));
    if (url.pathname === '/boot.ipxe') return send(res, fleet.bootScript());
    if (url.pathname === '/ipxe/machine') return send(res, fleet.machineBoot(url.searchParams));
    const extent = files.extents.get(url.pathname);
    const name = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
    if (extent && url.pathname === '/live/initrd.img')
      return void files.initrdTail.then(
        (tail) => sendFile(req, res, files.iso, [{ iso: extent }, { bytes: tail }], name),
        (err: unknown) => send(res, errorReply(500, url.pathname, `live layers: ${String(err)}`)),
      );
    if (
      extent &&
      (url.pathname === '/live/vmlinuz' ||
        /^\/live\/[^/]+\.squashfs$/.test(url.pathname) ||
        (PAYLOAD_FILES as readonly string[]).includes(url.pathname))
    )
      return sendFile(req, res, files.iso, [{ iso: extent }], name);
    send(res, errorReply(404, 'path', `${url.pathname}: not served here`));
  };
}

export function secureHandler(fleet: Fleet, state: () => FleetState, log?: (line: string) => void) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://x');
    const [, kind, token, extra] = url.pathname.split('/');
    try {
      if (req.method === 'GET' && url.pathname === '/') {
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
        });
        res.end(statusPage(state(), Date.now()));
        return;
      }
      if (req.method === 'GET' && url.pathname === '/api/machines') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(stateJson(state()));
        return;
      }
      if (req.method === 'POST' && url.pathname === '/booted') {
        log?.(`https ${req.socket.remoteAddress ?? '?'} POST /booted`);
        const report = parseJson(
          bootedReportSchema,
          await readBody(req, 1024 * 1024),
          'first-boot report',
        );
        return send(res, fleet.booted(report));
      }
      if (extra !== undefined || !token)
        return send(res, errorReply(404, 'path', `${url.pathname}: not served here`));
      log?.(`https ${req.socket.remoteAddress ?? '?'} ${req.method} /${kind}/…`);
      if (kind === 'answer' && (req.method === 'POST' || req.method === 'GET')) {
        const body = req.method === 'POST' ? await readBody(req, 1024 * 1024) : '';
        const info = body.trim() ? parseJson(systemInfoSchema, body, 'machine summary') : null;
        return send(res, fleet.answer(token, info));
      }
      if (kind === 'progress' && req.method === 'POST')
        return send(
          res,
          fleet.progress(token, parseProgressLines(await readBody(req), 'progress')),
        );
      if (kind === 'log' && req.method === 'POST')
        return send(res, fleet.log(token, (await readBody(req, 256 * 1024)).slice(-64 * 1024)));
      send(res, errorReply(404, 'path', `${req.method} ${kind ?? ''}: not served here`));
    } catch (err) {
      if (err instanceof BodyTooLarge)
        return send(res, errorReply(400, 'body', 'request body too large'));
      // ContractError: names the source and field, never echoes the body
      send(res, errorReply(400, 'body', err instanceof Error ? err.message : String(err)));
    }
  };
}

export function listen(
  server: http.Server | https.Server,
  host: string,
  port: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export { http, https };
