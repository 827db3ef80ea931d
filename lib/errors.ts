// One problem with user input: `path` names the field or device (`global.fqdn`, `disk-setup.disk-list[1]`,
// `network.filter`), `message` says what is wrong and what would be valid. Printed as `path: message`.
export interface Issue {
  path: string;
  message: string;
}

/** Input the user can fix. The CLI prints its issues, one per line, and exits 1 — never a stack trace. */
export class UserError extends Error {
  readonly issues: Issue[];
  constructor(issues: Issue[] | Issue) {
    const list = Array.isArray(issues) ? issues : [issues];
    super(list.map(formatIssue).join('\n'));
    this.name = 'UserError';
    this.issues = list;
  }
}

export function formatIssue(issue: Issue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

export type Result<T> = { ok: true; value: T } | { ok: false; issues: Issue[] };
