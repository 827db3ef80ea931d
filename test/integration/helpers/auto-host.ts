// `openve-install auto` for THIS host: the same autoInstall with the host runner (host-runner.ts:
// no vfat, no device-mapper here). Used by bench/install.mjs, bundled with esbuild; prints the
// progress JSON lines like `auto` and, at the end, one line `#rss {"vmHWMkB":N}` on stderr with
// this process's peak RSS (VmHWM; the extraction tools are separate processes).
// Usage: node auto-host.mjs --answer A --payload P --disks /dev/loopX[,/dev/loopY] --log L --target T
//        node auto-host.mjs --extract-only --payload P --target DIR
//          runs only the extract step's handler (real runner) onto DIR and prints `#extract {"ms":N}`
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { autoInstall } from '../../../installer/commands/auto.ts';
import { hostShim } from './host-runner.ts';
import { loopProfile } from './loops.ts';
import { realRunner } from '../../../lib/exec/runner.ts';
import { newState } from '../../../installer/apply/context.ts';
import { extract } from '../../../installer/apply/handlers/extract.ts';

async function extractOnly(payload: string, target: string): Promise<number> {
  const t0 = performance.now();
  await extract(
    {
      id: 'extract:payload',
      title: 'Copying the system',
      weight: 1,
      kind: 'extract',
      source: 'payload',
    },
    {
      runner: realRunner(),
      target,
      payload,
      secrets: {},
      firstBootHook: null,
      installLogPath: null,
      answerRedacted: null,
      emit: () => {},
      log: () => {},
      deviceTimeoutMs: 0,
      progress: () => {},
      noFsync: [],
      state: newState(),
    },
  );
  const ms = Math.round(performance.now() - t0);
  process.stderr.write(`#extract ${JSON.stringify({ ms })}\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'extract-only': { type: 'boolean' },
      answer: { type: 'string' },
      payload: { type: 'string' },
      disks: { type: 'string' },
      log: { type: 'string' },
      target: { type: 'string' },
      hook: { type: 'string' },
    },
  });
  if (values['extract-only'] && values.payload && values.target)
    return extractOnly(values.payload, values.target);
  if (!values.answer || !values.payload || !values.disks || !values.target)
    throw new Error('usage: --answer A --payload P --disks D[,D] --target T [--log L]');
  const disks = values.disks.split(',').map((p) => ({
    file: '',
    path: p,
    name: p.replace(/^\/dev\//, ''),
    sizeBytes: Number(
      execFileSync('blockdev', ['--getsize64', p], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `/usr/sbin:/sbin:${process.env.PATH ?? ''}` },
      }).trim(),
    ),
  }));
  const shim = hostShim();
  try {
    const out = await autoInstall(
      {
        answerText: readFileSync(values.answer, 'utf8'),
        answerSource: values.answer,
        hardware: loopProfile(disks),
        payload: values.payload,
        confirmed: true,
        logPath: values.log ?? '/tmp/openve-install.log',
        firstBootHook: values.hook ?? null,
        target: values.target,
        mode: 'real',
      },
      {
        runner: (log) =>
          shim.runner(
            (l) => log.line(l),
            () => log.secrets(),
          ),
      },
    );
    return out.ok ? 0 : 1;
  } finally {
    await shim.teardown();
    const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    process.stderr.write(`#rss ${JSON.stringify({ vmHWMkB: Number(hwm) })}\n`);
  }
}
