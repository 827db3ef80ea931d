// The answer file as copied to the target: secret values replaced, so /var/log/openve-install/
// records what was asked for without handing out the root password or the cluster token.
import { redact } from '../exec/runner.ts';

const SECRET_KEYS = /^(\s*)(root-password|root-password-hashed|token)(\s*=\s*).*$/;

export function redactAnswerText(text: string, secrets: readonly string[]): string {
  // whole secret lines first; other lines get the values replaced wherever they appear
  return text
    .split('\n')
    .map((line) => {
      const m = SECRET_KEYS.exec(line);
      return m ? `${m[1]}${m[2]}${m[3]}"<redacted>"` : redact(line, secrets);
    })
    .join('\n');
}
