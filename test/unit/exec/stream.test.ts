// The runner's streaming mode with real children (cat, sh, head): bytes through, exit status and
// stderr in the error, kill, a child that exits before its input ends, logging, redaction, the
// secret guard, and what the dry-run and recording modes do with a stream.
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createRunner } from '../../../lib/exec/index.ts';
import { CommandError } from '../../../lib/exec/types.ts';

const SECRET = 'stream-secret-fixture';

async function collect(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('runner.stream (real children)', () => {
  const runner = createRunner('real');

  it('carries bytes through stdin and stdout and reports exit 0', async () => {
    const input = new PassThrough();
    const child = runner.stream(['cat'], { input });
    const data = Buffer.alloc(3 * 1024 * 1024, 'x');
    input.end(data);
    const [out, result] = await Promise.all([collect(child.stdout), child.done]);
    expect(out.equals(data)).toBe(true);
    expect(result).toMatchObject({ argv: ['cat'], exitCode: 0, stdout: '' });
  });

  it('rejects with the exit status and the end of stderr', async () => {
    const child = runner.stream(['sh', '-c', 'echo first >&2; echo "it broke" >&2; exit 3']);
    const err = await child.done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).result.exitCode).toBe(3);
    expect((err as CommandError).message).toMatch(/exited with 3: first\nit broke$/);
    expect((err as CommandError).result.stderr).toBe('first\nit broke');
  });

  it('kills the child on request: done names the signal', async () => {
    const input = new PassThrough(); // never ends: cat would run forever
    const child = runner.stream(['cat'], { input });
    input.write('partial');
    const first = await once(child.stdout, 'data');
    expect(String(first[0])).toBe('partial');
    child.kill();
    const err = (await child.done.catch((e: unknown) => e)) as CommandError;
    expect(err.message).toMatch(/cat was killed by SIGTERM/);
    expect(err.result.exitCode).toBe(143);
    child.kill(); // a second kill after the exit is harmless
  });

  it('a child that exits before its input ends is no error; the rest is drained', async () => {
    // tar -x at its end-of-archive record while the HTTP request's end is still on its way: with a
    // pipeline this was "Premature close" (ct-migrate.test.ts under load)
    const input = new PassThrough();
    const child = runner.stream(['head', '-c', '10240'], { input, stdout: 'ignore' });
    input.write(Buffer.alloc(10240, 1));
    const result = await child.done;
    expect(result.exitCode).toBe(0);
    // more than a pipe holds arrives after the exit: the sender is not stalled
    const ended = once(input, 'end');
    input.end(Buffer.alloc(1024 * 1024, 2));
    await ended;
    expect(input.readableEnded).toBe(true);
  });

  it("stdout: 'ignore' gives an empty stream", async () => {
    const child = runner.stream(['echo', 'not seen'], { stdout: 'ignore' });
    expect((await collect(child.stdout)).length).toBe(0);
    expect((await child.done).exitCode).toBe(0);
  });

  it('a missing program rejects with 127, naming it', async () => {
    const child = runner.stream(['openve-no-such-tool-xyz']);
    const err = (await child.done.catch((e: unknown) => e)) as CommandError;
    expect(err.result.exitCode).toBe(127);
    expect(err.message).toMatch(/openve-no-such-tool-xyz.*ENOENT/);
  });

  it('logs argv and a failure, redacted; stderr chunks reach onStderr redacted', async () => {
    const lines: string[] = [];
    const seen: string[] = [];
    const logged = createRunner('real', { log: (l) => lines.push(l) });
    const child = logged.stream(['sh', '-c', `echo "token ${SECRET}" >&2; exit 1`, 'x'], {
      redact: [SECRET],
      onStderr: (c) => seen.push(c),
    });
    const err = (await child.done.catch((e: unknown) => e)) as CommandError;
    expect(lines[0]).toBe(`$ sh -c echo "token ***" >&2; exit 1 x`);
    expect(lines).toContain('(exit 1)');
    expect(lines.join('\n')).not.toContain(SECRET);
    expect(seen.join('')).toBe('token ***\n');
    expect(err.message).not.toContain(SECRET);
    expect(err.result.stderr).toBe('token ***');
  });
});

describe('runner.stream in every mode', () => {
  for (const mode of ['real', 'probe', 'dry-run', 'recording'] as const) {
    it(`${mode}: a secret in argv is refused before anything starts`, () => {
      const r = createRunner(mode, { secrets: () => [SECRET] });
      expect(() => r.stream(['echo', `--token=${SECRET}`])).toThrow(
        /secret would appear in its arguments/,
      );
    });
  }

  it('dry-run refuses a stream (its bytes cannot be stood in for) and logs the refusal', () => {
    const lines: string[] = [];
    const r = createRunner('dry-run', { log: (l) => lines.push(l) });
    expect(() => r.stream(['tar', '-cf', '-', '.'])).toThrow(/dry run: a streaming command/);
    expect(lines).toEqual(['(dry-run) refused: $ tar -cf - .']);
  });

  it('recording records the argv; a rule gives stdout, exit status and stderr', async () => {
    const r = createRunner('recording', {
      rules: [
        { match: ['tar', '-c'], respond: { stdout: 'archive' } },
        { match: ['tar', '-x'], respond: { exitCode: 2, stderr: 'tar: bad\n' } },
      ],
    });
    const c = r.stream(['tar', '-c']);
    expect(String(await collect(c.stdout))).toBe('archive');
    expect((await c.done).exitCode).toBe(0);
    const input = new PassThrough();
    const x = r.stream(['tar', '-x'], { input });
    const drained = once(input, 'end');
    input.end('bytes nobody reads');
    await drained;
    await expect(x.done).rejects.toThrow(/tar -x exited with 2: tar: bad/);
    const d = r.stream(['lxc-console', '-n', 'x']);
    d.kill();
    await expect(d.done).rejects.toThrow(/killed by SIGTERM/);
    expect(r.calls.map((c) => [c.argv.join(' '), c.exitCode, c.stream])).toEqual([
      ['tar -c', 0, true],
      ['tar -x', 2, true],
      ['lxc-console -n x', 143, true],
    ]);
  });

  it('recording with passthrough streams unmatched commands for real', async () => {
    const r = createRunner('recording', { passthrough: true });
    const c = r.stream(['printf', 'real']);
    expect(String(await collect(c.stdout))).toBe('real');
    await c.done;
    expect(r.calls).toEqual([
      { argv: ['printf', 'real'], by: 'fallback', exitCode: 0, stream: true },
    ]);
  });
});
