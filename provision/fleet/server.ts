// The sockets: HTTP for the boot files (iPXE scripts, kernel, initrd, the ISO: iPXE and live-boot
// fetch them by plain HTTP), HTTPS for what carries secrets or state (answers, progress, the status
// page and API; the certificate is pinned by the fingerprint on each machine's kernel command line).
import { createReadStream, statSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseJson } from '../../contracts/json.ts';
import { parseProgressLines } from '../../contracts/progress-schema.ts';
import { bootedReportSchema, systemInfoSchema, type FleetState } from '../../contracts/fleet.ts';
import type { Fleet, Reply } from './fleet.ts';
import type { Extent } from './iso.ts';
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
  log?: (line: string) => void;
}

/** A file of the ISO (or the ISO itself), with Range support (live-boot and curl may resume). */
function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: string,
  extent: Extent,
  name: string,
) {
  let start = 0;
  let end = extent.size - 1;
  let status = 200;
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (range && (range[1] || range[2])) {
    if (range[1]) {
      start = Number(range[1]);
      if (range[2]) end = Math.min(Number(range[2]), end);
    } else start = Math.max(0, extent.size - Number(range[2]));
    if (start > end) {
      res.writeHead(416, { 'content-range': `bytes */${extent.size}` });
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
  if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${extent.size}`;
  res.writeHead(status, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file, { start: extent.start + start, end: extent.start + end });
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

export function bootHandler(fleet: Fleet, files: BootFiles) {
  const isoSize = statSync(files.iso).size;
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    files.log?.(`http ${req.socket.remoteAddress ?? '?'} ${req.method} ${url.pathname}`);
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, errorReply(400, 'method', 'GET only'));
    if (url.pathname === '/boot.ipxe') return send(res, fleet.bootScript());
    if (url.pathname === '/ipxe/machine') return send(res, fleet.machineBoot(url.searchParams));
    if (url.pathname === '/openve.iso')
      return sendFile(req, res, files.iso, { start: 0, size: isoSize }, 'openve.iso');
    const extent = files.extents.get(url.pathname);
    if (extent && url.pathname.startsWith('/live/'))
      return sendFile(req, res, files.iso, extent, url.pathname.slice(6));
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
