// First-boot output goes to stdout (the journal, via the unit) and is appended to a file in
// /var/log/openve-install/, so it survives journal rotation next to the installer's own log.
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export type Logger = (line: string) => void;

export function fileAndStdoutLogger(
  file: string,
  stdout: (s: string) => void = (s) => process.stdout.write(s),
): Logger {
  mkdirSync(path.dirname(file), { recursive: true });
  return (line: string) => {
    const text = line.endsWith('\n') ? line : `${line}\n`;
    stdout(text);
    appendFileSync(file, `${new Date().toISOString()} ${text}`);
  };
}
