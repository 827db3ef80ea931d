// The root password as a crypt hash, made by the system's tools through the runner (stdin, never argv).
import type { CommandRunner } from '../lib/exec/index.ts';

/** A crypt hash of the password through the runner (mkpasswd yescrypt, else openssl SHA-512). */
export async function hashPassword(tools: CommandRunner, password: string): Promise<string> {
  const { validateCryptHash } = await import('../contracts/answers/validators.ts');
  const attempts: string[][] = [
    ['mkpasswd', '-m', 'yescrypt', '--stdin'],
    ['openssl', 'passwd', '-6', '-stdin'],
  ];
  const failures: string[] = [];
  for (const argv of attempts) {
    try {
      const r = await tools.run(argv, {
        input: `${password}\n`,
        reject: false,
        redact: [password],
        timeoutMs: 20_000,
      });
      const hash = r.stdout.trim();
      if (r.exitCode === 0 && !validateCryptHash(hash)) return hash;
      failures.push(`${argv[0]}: exit ${r.exitCode}`);
    } catch (err) {
      failures.push(
        `${argv[0]}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
      );
    }
  }
  throw new Error(
    `cannot hash the password (${failures.join('; ')}); install whois (mkpasswd) or openssl`,
  );
}
