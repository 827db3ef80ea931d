// The browser's API client: same-origin fetch with the session cookie and the CSRF header, every
// answer parsed with the contracts' schemas, errors as `{path, message}` issues for the fields.
import * as z from 'zod';
import { ErrorAnswerSchema } from '../../contracts/manager/views.ts';

export interface Issue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly issues: Issue[];
  constructor(status: number, issues: Issue[]) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '));
    this.status = status;
    this.issues = issues;
  }
}

export const BASE = '/api/v1';
const CSRF_KEY = 'openve.csrf';
const USER_KEY = 'openve.user';

let expiredListener: (() => void) | null = null;
/** called once when an authenticated request answers 401 (session expired or revoked) */
export function onSessionExpired(fn: () => void): void {
  expiredListener = fn;
}

export function session(): { user: string; csrf: string } | null {
  const csrf = sessionStorage.getItem(CSRF_KEY);
  const user = sessionStorage.getItem(USER_KEY);
  return csrf && user ? { user, csrf } : null;
}
export function saveSession(user: string, csrf: string): void {
  sessionStorage.setItem(CSRF_KEY, csrf);
  sessionStorage.setItem(USER_KEY, user);
}
export function clearSession(): void {
  sessionStorage.removeItem(CSRF_KEY);
  sessionStorage.removeItem(USER_KEY);
}

async function errorOf(res: Response): Promise<ApiError> {
  let issues: Issue[] = [{ path: '', message: `${res.status} ${res.statusText}` }];
  try {
    const parsed = ErrorAnswerSchema.safeParse(await res.json());
    if (parsed.success && parsed.data.errors.length) issues = parsed.data.errors;
  } catch {
    /* not JSON: keep the status line */
  }
  return new ApiError(res.status, issues);
}

export interface RequestOptions {
  body?: unknown;
  /** raw body (uploads) instead of JSON */
  raw?: Blob;
  /** a 401 here is a wrong password, not an expired session */
  login?: boolean;
}

export async function request<S extends z.ZodType>(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  schema: S,
  opts: RequestOptions = {},
): Promise<z.infer<S>> {
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.raw) headers['content-type'] = 'application/octet-stream';
  const s = session();
  if (method !== 'GET' && s) headers['x-openve-csrf'] = s.csrf;
  let res: Response;
  try {
    res = await fetch(`${BASE}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    });
  } catch {
    throw new ApiError(0, [{ path: '', message: 'the node does not answer (network error)' }]);
  }
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401 && !opts.login) expiredListener?.();
    throw err;
  }
  const json: unknown = await res.json();
  const parsed = schema.safeParse((json as { data?: unknown }).data);
  if (!parsed.success)
    throw new ApiError(res.status, [
      { path: '', message: `unexpected answer from ${path}: ${parsed.error.issues[0]?.message}` },
    ]);
  return parsed.data;
}

export const get = <S extends z.ZodType>(path: string, schema: S) => request('GET', path, schema);

/** wss://host/api/v1/... for a WebSocket route */
export function wsUrl(path: string): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}${BASE}${path}`;
}

/** Upload with progress (fetch has no upload progress): XMLHttpRequest, streamed by the browser. */
export function upload<S extends z.ZodType>(
  path: string,
  file: File,
  schema: S,
  onProgress: (fraction: number) => void,
): { done: Promise<z.infer<S>>; abort(): void } {
  const xhr = new XMLHttpRequest();
  const done = new Promise<z.infer<S>>((resolve, reject) => {
    xhr.open('POST', `${BASE}${path}`);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    const s = session();
    if (s) xhr.setRequestHeader('x-openve-csrf', s.csrf);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(0, [{ path: '', message: 'upload failed (network)' }]));
    xhr.onabort = () => reject(new ApiError(0, [{ path: '', message: 'upload cancelled' }]));
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText) as unknown;
      } catch {
        /* handled below */
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        const p = schema.safeParse((body as { data?: unknown } | null)?.data);
        if (p.success) return resolve(p.data);
      }
      const e = ErrorAnswerSchema.safeParse(body);
      if (xhr.status === 401) expiredListener?.();
      reject(
        new ApiError(
          xhr.status,
          e.success ? e.data.errors : [{ path: '', message: `upload failed: ${xhr.status}` }],
        ),
      );
    };
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}

/** Issues by field path, for the forms (`nics[0].bridge` -> message). */
export function byPath(issues: readonly Issue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) if (!(i.path in out)) out[i.path] = i.message;
  return out;
}

const OpenApiPathsSchema = z.object({ paths: z.record(z.string(), z.unknown()) });
let routesOnce: Promise<Set<string>> | null = null;
/** Whether the node's API has a route (from its OpenAPI document): features newer than the node. */
export function hasRoute(pathTemplate: string): Promise<boolean> {
  routesOnce ??= fetch(`${BASE}/openapi.json`, { credentials: 'same-origin' })
    .then((r) => r.json())
    .then((j: unknown) => new Set(Object.keys(OpenApiPathsSchema.parse(j).paths)))
    .catch(() => new Set<string>());
  return routesOnce.then((s) => s.has(`${BASE}${pathTemplate}`));
}
