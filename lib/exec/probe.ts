// A CommandRunner on node:child_process for detection's few read-only commands (lsblk, ip,
// udevadm). Measured here: importing execa costs ~90 ms, eighteen times `lsblk -J -O -b` plus
// `ip -j link` together, so `openve-install detect` would miss its start-up budget with it.
// Made by createRunner('probe'); commands that write to disks keep the execa runner (runner.ts).
import { execFile } from 'node:child_process';
import { defaultPath } from './path.ts';
import { CommandError, type CommandResult, type CommandRunner, type RunOptions } from './types.ts';

export function probeRunner(): CommandRunner {
  const PATH = defaultPath();
  return {
    run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
      const [file, ...args] = argv;
      if (!file) return Promise.reject(new Error('probeRunner: empty argv'));
      const started = performance.now();
      return new Promise((resolve, reject) => {
        const child = execFile(
          file,
          args,
          {
            env: { ...process.env, PATH, ...options.env },
            cwd: options.cwd,
            timeout: options.timeoutMs,
            maxBuffer: 64 * 1024 * 1024,
            encoding: 'utf8',
          },
          (err, stdout, stderr) => {
            const code = err
              ? typeof err.code === 'number'
                ? err.code
                : err.killed
                  ? 124
                  : 127
              : 0;
            const result: CommandResult = {
              argv: [...argv],
              exitCode: code,
              stdout,
              stderr: stderr + (err && typeof err.code !== 'number' ? `\n${err.message}` : ''),
              durationMs: Math.round(performance.now() - started),
            };
            if (code !== 0 && options.reject !== false) reject(new CommandError(result));
            else resolve(result);
          },
        );
        if (options.input !== undefined) child.stdin?.end(options.input);
        else child.stdin?.end();
      });
    },
  };
}
