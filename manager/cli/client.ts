// The API client of the CLI: HTTPS with the node's own certificate as CA (local) or a given CA.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as z from 'zod';
import { parseJson } from '../../contracts/json.ts';
import WebSocket from 'ws';

export interface ApiIssue {
  path: string;
  message: string;
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly issues: ApiIssue[],
  ) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('\n'));
  }
}

export interface ClientOptions {
  base: string;
  token: string;
  ca?: string;
  insecure?: boolean;
}

export class Client {
  constructor(private readonly o: ClientOptions) {}

  /** a WebSocket to `path` (a console), authenticated like every request */
  socket(path: string): WebSocket {
    return new WebSocket(new URL(path, this.o.base).href.replace(/^http/, 'ws'), {
      ca: this.o.ca,
      rejectUnauthorized: !this.o.insecure,
      headers: { authorization: `Bearer ${this.o.token}` },
    });
  }

  /** a request whose `data` is checked with `schema` (the contract of the answer) */
  async parsed<S extends z.ZodType>(
    schema: S,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<z.output<S>> {
    return checked(schema, await this.request<unknown>(method, path, body), path);
  }

  /** streams `file` as the body (application/octet-stream); `progress(sent, total)` as it goes */
  upload<S extends z.ZodType>(
    schema: S,
    path: string,
    file: string,
    progress: (sent: number, total: number) => void,
  ): Promise<z.output<S>> {
    const total = statSync(file).size;
    return new Promise((resolve, reject) => {
      const req = https.request(new URL(path, this.o.base), {
        method: 'POST',
        ca: this.o.ca,
        rejectUnauthorized: !this.o.insecure,
        headers: {
          authorization: `Bearer ${this.o.token}`,
          'content-type': 'application/octet-stream',
          'content-length': String(total),
        },
      });
      let sent = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _e, done) {
          sent += chunk.length;
          progress(sent, total);
          done(null, chunk);
        },
      });
      let answered = false;
      req.once('response', (res) => {
        answered = true;
        answer<unknown>(res)
          .then((d) => checked(schema, d, path))
          .then(resolve, reject)
          // an early answer (409, 413) leaves the rest of the file unsent: drop the connection
          .finally(() => req.destroy());
      });
      req.on('error', (e) => !answered && reject(unreachable(this.o.base, e)));
      // an early refusal (409, 413) ends the request while it is still being written: the answer wins
      pipeline(createReadStream(file), meter, req).catch(() => {});
    });
  }

  /** streams a download into `file`; its SHA-256 checked against X-Checksum-Sha256 (the file removed on a mismatch) */
  download(path: string, file: string): Promise<{ size: number; sha256: string }> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        new URL(path, this.o.base),
        {
          ca: this.o.ca,
          rejectUnauthorized: !this.o.insecure,
          headers: { authorization: `Bearer ${this.o.token}` },
        },
        (res) => {
          if ((res.statusCode ?? 500) >= 400) return answer(res).then(resolve as never, reject);
          const want = String(res.headers['x-checksum-sha256'] ?? '');
          const hash = createHash('sha256');
          let size = 0;
          const meter = new Transform({
            transform(chunk: Buffer, _e, done) {
              size += chunk.length;
              hash.update(chunk);
              done(null, chunk);
            },
          });
          pipeline(res, meter, createWriteStream(file, { flags: 'wx' })).then(
            () => {
              const sha256 = hash.digest('hex');
              if (want && want !== sha256) {
                rmSync(file, { force: true });
                return reject(
                  new ApiFailure(0, [
                    {
                      path: 'sha256',
                      message: `download damaged: got ${sha256}, the node says ${want}; ${file} removed`,
                    },
                  ]),
                );
              }
              resolve({ size, sha256 });
            },
            (e: Error & { code?: string }) => {
              if (e.code !== 'EEXIST') rmSync(file, { force: true });
              reject(
                new ApiFailure(0, [
                  {
                    path: 'output',
                    message: `${file}: ${e.code === 'EEXIST' ? 'already exists' : e.message}`,
                  },
                ]),
              );
            },
          );
        },
      );
      req.once('error', (e) => reject(unreachable(this.o.base, e)));
      req.end();
    });
  }

  request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        new URL(path, this.o.base),
        {
          method,
          ca: this.o.ca,
          rejectUnauthorized: !this.o.insecure,
          headers: {
            authorization: `Bearer ${this.o.token}`,
            ...(payload ? { 'content-type': 'application/json' } : {}),
          },
          timeout: 120_000,
        },
        (res) => answer<T>(res).then(resolve, reject),
      );
      req.on('timeout', () => req.destroy(new Error('no answer within 120 s')));
      req.on('error', (e) => reject(unreachable(this.o.base, e)));
      req.end(payload);
    });
  }
}

/** every answer: `{data}` or `{errors:[{path,message}]}` */
const Envelope = z.object({
  data: z.unknown().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

function checked<S extends z.ZodType>(schema: S, data: unknown, path: string): z.output<S> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new ApiFailure(0, [
    {
      path: i?.path.join('.') ?? '',
      message: `unexpected answer from ${path.split('?')[0]}: ${i?.message ?? 'invalid'}`,
    },
  ]);
}

const unreachable = (base: string, e: Error) =>
  new ApiFailure(0, [{ path: 'host', message: `cannot reach ${base}: ${e.message}` }]);

/** the `data` of a JSON answer, or an ApiFailure with its errors */
function answer<T>(res: IncomingMessage): Promise<T> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8').on('data', (c: string) => (text += c));
    res.on('end', () => {
      let parsed: z.output<typeof Envelope>;
      try {
        parsed = parseJson(Envelope, text, 'answer');
      } catch {
        return reject(
          new ApiFailure(res.statusCode ?? 0, [
            { path: '', message: `unexpected answer (HTTP ${res.statusCode})` },
          ]),
        );
      }
      if ((res.statusCode ?? 500) >= 400)
        return reject(
          new ApiFailure(
            res.statusCode ?? 0,
            parsed.errors ?? [{ path: '', message: `HTTP ${res.statusCode}` }],
          ),
        );
      // callers check `data` with the answer's schema (parsed()) or use it as an opaque value
      resolve(parsed.data as T);
    });
  });
}
