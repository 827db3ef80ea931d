import { execa } from 'execa';
import { CommandError, type CommandResult, type CommandRunner, type RunOptions } from './types.ts';

export type LogLine = (line: string) => void;

export function redact(text: string, secrets: readonly string[] | undefined): string {
  let out = text;
  for (const s of secrets ?? []) if (s) out = out.split(s).join('***');
  return out;
}

/** The real runner: execa with argv arrays, no shell, output captured (and optionally logged). */
export function realRunner(log?: LogLine): CommandRunner {
  return {
    async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
      const [file, ...args] = argv;
      if (!file) throw new Error('realRunner: empty argv');
      const started = performance.now();
      log?.(`$ ${redact(argv.join(' '), options.redact)}`);
      const child = await execa(file, args, {
        input: options.input,
        timeout: options.timeoutMs,
        cwd: options.cwd,
        env: { PATH: defaultPath(), ...options.env },
        extendEnv: true,
        reject: false,
        stripFinalNewline: false,
        encoding: 'utf8',
      });
      const result: CommandResult = {
        argv: [...argv],
        exitCode: child.exitCode ?? (child.timedOut ? 124 : 1),
        stdout: String(child.stdout ?? ''),
        stderr: String(child.stderr ?? '') + (child.failed && child.exitCode === undefined ? `\n${child.shortMessage}` : ''),
        durationMs: Math.round(performance.now() - started),
      };
      if (log) {
        const out = redact(`${result.stdout}${result.stderr}`.trimEnd(), options.redact);
        if (out) log(out);
        if (result.exitCode !== 0) log(`(exit ${result.exitCode})`);
      }
      if (result.exitCode !== 0 && options.reject !== false) {
        throw new CommandError(
          { ...result, stdout: redact(result.stdout, options.redact), stderr: redact(result.stderr, options.redact) },
        );
      }
      return result;
    },
  };
}

// DESIGN 5: /usr/sbin must be on PATH (sgdisk, lvm, mkfs.* live there).
function defaultPath(): string {
  const have = (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const p of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (!have.includes(p)) have.push(p);
  }
  return have.join(':');
}
