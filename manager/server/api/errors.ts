// An API error: an HTTP status and the `{path, message}` issues the client can act on.
import type { Issue } from '../../../lib/errors.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly issues: Issue[];
  constructor(status: number, issues: Issue[] | Issue) {
    const list = Array.isArray(issues) ? issues : [issues];
    super(list.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '));
    this.name = 'ApiError';
    this.status = status;
    this.issues = list;
  }
}

export const badRequest = (issues: Issue[] | Issue) => new ApiError(400, issues);
export const notFound = (path: string, message: string) => new ApiError(404, { path, message });
export const conflict = (path: string, message: string) => new ApiError(409, { path, message });
