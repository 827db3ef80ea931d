import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  collapseCarriageReturns,
  dryRunner,
  guardSecrets,
  realRunner,
  redact,
} from '../../../lib/exec/runner.ts';
import { recordingRunner, matches } from '../../../lib/exec/recording.ts';
import { createRunner } from '../../../lib/exec/factory.ts';
import { createInstallLog } from '../../../lib/exec/log.ts';
import { CommandError } from '../../../lib/exec/types.ts';

const SECRET = 'passw0rd-fixture';

describe('realRunner', () => {
  it('runs argv without a shell and captures output', async () => {
    const r = await realRunner().run(['printf', '%s|%s', 'a b', '$HOME']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('a b|$HOME');
  });

  it('passes input on stdin', async () => {
    const r = await realRunner().run(['cat'], { input: 'via stdin' });
    expect(r.stdout).toBe('via stdin');
  });

  it('throws CommandError with the exit code and the output tail', async () => {
    const err = await realRunner()
      .run(['sh', '-c', 'for i in 1 2 3 4 5; do echo line$i; done; echo oops >&2; exit 3'])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    const ce = err as CommandError;
    expect(ce.result.exitCode).toBe(3);
    expect(ce.tail(2)).toBe('line5\noops');
  });

  it('returns the result instead of throwing with reject: false', async () => {
    const r = await realRunner().run(['false'], { reject: false });
    expect(r.exitCode).toBe(1);
  });

  it('kills a command at its timeout and says so', async () => {
    const started = Date.now();
    const r = await realRunner().run(['sleep', '5'], { timeoutMs: 200, reject: false });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('timed out after 200 ms');
  });

  it('reports a missing program as exit 127', async () => {
    const r = await realRunner().run(['openve-no-such-program'], { reject: false });
    expect(r.exitCode).toBe(127);
  });

  it('logs argv and output with secrets redacted', async () => {
    const lines: string[] = [];
    await realRunner((l) => lines.push(l)).run(['echo', 'hello', SECRET], { redact: [SECRET] });
    expect(lines.join('\n')).toContain('$ echo hello ***');
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('streams output chunks to onOutput and can keep them out of the log', async () => {
    const chunks: string[] = [];
    const lines: string[] = [];
    const r = await realRunner((l) => lines.push(l)).run(['printf', '10%%\\r50%%\\r100%%\\n'], {
      onOutput: (c) => chunks.push(c),
      quietOutput: true,
    });
    expect(chunks.join('')).toContain('50%');
    expect(r.stdout).toContain('100%');
    expect(lines).toEqual(['$ printf 10%%\\r50%%\\r100%%\\n']);
  });

  it('finds /usr/sbin tools even with a minimal PATH', async () => {
    const r = await realRunner().run(['sh', '-c', 'echo $PATH']);
    expect(r.stdout).toContain('/usr/sbin');
  });
});

describe('helpers', () => {
  it('redact replaces every occurrence', () => {
    expect(redact(`a ${SECRET} b ${SECRET}`, [SECRET])).toBe('a *** b ***');
    expect(redact('x', [''])).toBe('x');
  });
  it('collapseCarriageReturns keeps what a terminal would show', () => {
    expect(collapseCarriageReturns('start\n[=  ] 10%\r[== ] 50%\r[===] 100%\ndone')).toBe(
      'start\n[===] 100%\ndone',
    );
  });
});

describe('dryRunner', () => {
  it('logs and succeeds without running anything', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openve-dry-'));
    const lines: string[] = [];
    const r = await dryRunner((l) => lines.push(l)).run(['touch', path.join(dir, 'x')]);
    expect(r).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
    expect(existsSync(path.join(dir, 'x'))).toBe(false);
    expect(lines[0]).toContain('(dry-run) $ touch');
  });
});

describe('recordingRunner', () => {
  it('records every call with its stdin and answers from rules', async () => {
    const r = recordingRunner({
      rules: [{ match: ['lsblk'], respond: { stdout: '{"blockdevices":[]}' } }],
    });
    const a = await r.run(['lsblk', '-J']);
    const b = await r.run(['chpasswd', '-e'], { input: 'root:$y$x' });
    expect(a.stdout).toBe('{"blockdevices":[]}');
    expect(b.exitCode).toBe(0);
    expect(r.calls.map((c) => [c.argv[0], c.by, c.input])).toEqual([
      ['lsblk', 'rule', undefined],
      ['chpasswd', 'default', 'root:$y$x'],
    ]);
  });

  it('failOn fails exactly the nth matching call, once', async () => {
    const r = recordingRunner().failOn(['lvcreate'], { nth: 2, exitCode: 5, stderr: 'no space' });
    await r.run(['lvcreate', '-n', 'swap']);
    const err = await r.run(['lvcreate', '-n', 'root']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).result).toMatchObject({ exitCode: 5, stderr: 'no space' });
    await expect(r.run(['lvcreate', '-n', 'data'])).resolves.toMatchObject({ exitCode: 0 });
  });

  it('rules with times stop matching; later rules win', async () => {
    const r = recordingRunner({ rules: [{ match: /^echo/, respond: { stdout: 'old' } }] });
    r.on({ match: ['echo'], respond: { stdout: 'new' }, times: 1 });
    expect((await r.run(['echo'])).stdout).toBe('new');
    expect((await r.run(['echo'])).stdout).toBe('old');
  });

  it('passes unmatched calls to a fallback runner', async () => {
    const r = recordingRunner({ fallback: realRunner(), rules: [{ match: ['grub-install'] }] });
    expect((await r.run(['echo', 'real'])).stdout).toBe('real\n');
    await r.run(['grub-install', '/dev/sda']);
    expect(r.calls.map((c) => c.by)).toEqual(['fallback', 'rule']);
  });

  it('matches argv prefixes, regexes and predicates', () => {
    expect(matches(['mount', '-t', 'vfat'], ['mount', '-t', 'vfat', '/dev/sda2', '/t'])).toBe(true);
    expect(matches(['mount', '-t', 'vfat'], ['mount', '-t', 'ext4'])).toBe(false);
    expect(matches(['sgdisk', /^--new=/], ['sgdisk', '--new=1:0:+1M'])).toBe(true);
    expect(matches(/update-grub/, ['chroot', '/t', 'update-grub'])).toBe(true);
    expect(matches((a) => a.length === 1, ['x'])).toBe(true);
  });
});

describe('secrets never in argv', () => {
  for (const mode of ['real', 'dry-run', 'recording'] as const) {
    it(`${mode} runner refuses a command carrying a secret in argv`, async () => {
      const runner = createRunner(mode, { secrets: () => [SECRET] });
      await expect(runner.run(['echo', `--password=${SECRET}`])).rejects.toThrow(
        /secret would appear in its arguments/,
      );
      await expect(runner.run(['cat'], { input: SECRET, reject: false })).resolves.toBeDefined();
    });
  }
  it('guardSecrets wraps any runner', async () => {
    const inner = recordingRunner();
    await expect(guardSecrets(inner, () => ['tok']).run(['x', 'tok'])).rejects.toThrow();
    expect(inner.calls).toEqual([]);
  });
});

describe('createRunner', () => {
  it('chooses the implementation by mode', async () => {
    expect((await createRunner('real').run(['echo', 'r'])).stdout).toBe('r\n');
    expect((await createRunner('dry-run').run(['echo', 'r'])).stdout).toBe('');
    const rec = createRunner('recording', {
      rules: [{ match: ['echo'], respond: { stdout: 'scripted' } }],
    });
    expect((await rec.run(['echo', 'r'])).stdout).toBe('scripted');
    expect(rec.calls).toHaveLength(1);
    const through = createRunner('recording', { passthrough: true });
    expect((await through.run(['echo', 'p'])).stdout).toBe('p\n');
  });
});

describe('install log', () => {
  it('is private, timestamped and redacts registered secrets', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'openve-log-')), 'sub', 'install.log');
    const log = createInstallLog(file);
    log.addSecret(SECRET);
    log.line(`chpasswd got ${SECRET}`);
    log.line('two\nlines');
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(SECRET);
    expect(text).toMatch(/^\[\d{4}-\d\d-\d\dT.*\] chpasswd got \*\*\*$/m);
    expect(text).toContain('two\n    lines');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
