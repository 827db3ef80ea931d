// The API client of the CLI: HTTPS with the node's own certificate as CA (local) or a given CA.
import https from 'node:https';
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
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => (text += c));
          res.on('end', () => {
            let parsed: { data?: T; errors?: ApiIssue[] };
            try {
              parsed = JSON.parse(text) as typeof parsed;
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
            resolve(parsed.data as T);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer within 120 s')));
      req.on('error', (e) =>
        reject(
          new ApiFailure(0, [
            { path: 'host', message: `cannot reach ${this.o.base}: ${e.message}` },
          ]),
        ),
      );
      req.end(payload);
    });
  }
}
