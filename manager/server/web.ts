// Serves the web interface (manager/web, built by scripts/build-web.mjs): index.html never cached
// (it names the current assets), assets/ with content-hashed names cached for a year, immutable,
// gzipped when the browser accepts it. Public: the page itself holds no data, the API checks.
import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};
const ASSET = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9]+)+$/;

const CSP = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  // Mantine sets CSS variables and per-component styles inline
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** The built web directory: $OPENVE_WEB_DIR, else web/ beside the running bundle, else dist/web. */
export function webDir(): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    process.env.OPENVE_WEB_DIR,
    path.join(here, 'web'),
    path.resolve(here, '../../dist/web'),
  ].filter((d): d is string => typeof d === 'string' && d !== '');
  return candidates.find((d) => existsSync(path.join(d, 'index.html'))) ?? null;
}

function sendFile(req: FastifyRequest, reply: FastifyReply, file: string, cache: string) {
  const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
  const gz = `${file}.gz`;
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) && existsSync(gz);
  const chosen = gzip ? gz : file;
  reply
    .header('content-type', type)
    .header('cache-control', cache)
    .header('x-content-type-options', 'nosniff')
    .header('content-length', statSync(chosen).size)
    .header('vary', 'accept-encoding');
  if (gzip) reply.header('content-encoding', 'gzip');
  return reply.send(createReadStream(chosen));
}

export function registerWeb(app: FastifyInstance, dir: string | null = webDir()): void {
  const missing = (reply: FastifyReply) =>
    reply
      .code(503)
      .type('text/plain; charset=utf-8')
      .send('the web interface is not built: run node scripts/build-web.mjs\n');
  app.get('/', { config: { public: true } }, (req, reply) => {
    if (!dir) return missing(reply);
    reply
      .header('content-security-policy', CSP)
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer');
    return sendFile(req, reply, path.join(dir, 'index.html'), 'no-cache');
  });
  app.get<{ Params: { file: string } }>(
    '/assets/:file',
    { config: { public: true } },
    (req, reply) => {
      if (!dir) return missing(reply);
      const name = req.params.file;
      const file = path.join(dir, 'assets', name);
      if (!ASSET.test(name) || name.endsWith('.gz') || !existsSync(file))
        return reply
          .code(404)
          .send({ errors: [{ path: 'file', message: `no asset '${name.slice(0, 80)}'` }] });
      return sendFile(req, reply, file, 'public, max-age=31536000, immutable');
    },
  );
}
