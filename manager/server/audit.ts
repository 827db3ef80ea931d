// The audit log: one JSON line per state-changing request or login attempt - who, from where,
// what, and the outcome. Never request bodies (they may hold passwords).
import { appendFileSync } from 'node:fs';

export interface AuditEntry {
  user: string | null;
  address: string;
  action: string;
  outcome: 'ok' | 'denied' | 'failed' | number;
  detail?: string;
}

export class AuditLog {
  constructor(private readonly file: string) {}
  record(e: AuditEntry): void {
    appendFileSync(this.file, JSON.stringify({ at: new Date().toISOString(), ...e }) + '\n', {
      mode: 0o600,
    });
  }
}
