// The install log: every command, its output and every progress message, with every registered
// secret replaced by '***' before a byte reaches the file. Written synchronously so that a crash
// still leaves the log behind (it is copied to the target and read after failures).
import { appendFileSync, mkdirSync, openSync, closeSync } from 'node:fs';
import path from 'node:path';
import { redact } from './redact.ts';

export interface InstallLog {
  /** file path, or null when the log only goes to the echo function (tests, dry-run) */
  readonly path: string | null;
  line(text: string): void;
  /** a value that must never reach the log (plain password, cluster token) */
  addSecret(secret: string): void;
  secrets(): readonly string[];
}

export function createInstallLog(file: string | null, echo?: (line: string) => void): InstallLog {
  const secrets: string[] = [];
  if (file) {
    mkdirSync(path.dirname(file), { recursive: true });
    closeSync(openSync(file, 'w', 0o600)); // truncate: one log per run
  }
  return {
    path: file,
    line(text: string) {
      const clean = redact(text, secrets);
      const stamped = `[${new Date().toISOString()}] ${clean}`.replace(/\n/g, '\n    ');
      if (file) appendFileSync(file, stamped + '\n');
      echo?.(clean);
    },
    addSecret(secret: string) {
      if (secret && !secrets.includes(secret)) secrets.push(secret);
      // longest first, so a secret containing another is replaced whole
      secrets.sort((a, b) => b.length - a.length);
    },
    secrets: () => secrets,
  };
}
