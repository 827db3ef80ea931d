import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { recordingRunner } from '../../../lib/exec/recording.ts';
import { newState, type ApplyContext } from '../../../installer/apply/context.ts';
import { extract } from '../../../installer/apply/handlers/extract.ts';
import {
  checkpointArgs,
  copyProgress,
  formatDuration,
  lastCheckpoint,
  payloadBytes,
  progressDue,
  PROGRESS_INTERVAL_MS,
  sizeFileOf,
} from '../../../installer/apply/extract-progress.ts';
import type { ProgressEvent } from '../../../contracts/progress.ts';

const MiB = 1024 * 1024;

describe('copy progress (pure)', () => {
  it('is due at most once per interval, but always first and when all is copied', () => {
    expect(progressDue(null, 0, 0)).toBe(true);
    expect(progressDue(1000, 1000 + PROGRESS_INTERVAL_MS - 1, 0.5)).toBe(false);
    expect(progressDue(1000, 1000 + PROGRESS_INTERVAL_MS, 0.5)).toBe(true);
    expect(progressDue(1000, 1001, 1)).toBe(true);
    expect(progressDue(1000, 1001, null)).toBe(false);
  });
  it('reads the last tar checkpoint of a chunk', () => {
    expect(lastCheckpoint('tar: openve-checkpoint 200\ntar: openve-checkpoint 400\n')).toBe(400);
    expect(lastCheckpoint('tar: Removing leading /')).toBeNull();
    expect(checkpointArgs(200)).toEqual([
      '--checkpoint=200',
      '--checkpoint-action=echo=openve-checkpoint %u',
    ]);
  });
  it('gives the fraction, MiB and an ETA once the estimate has settled', () => {
    expect(copyProgress(0, 1000 * MiB, 0)).toEqual({
      fraction: 0,
      etaSeconds: null,
      text: 'Copying the system: 0 of 1000 MiB',
    });
    // 1% after 5 s: too early to say
    expect(copyProgress(10 * MiB, 1000 * MiB, 5000).etaSeconds).toBeNull();
    // 25% after 10 s: 30 s left
    expect(copyProgress(250 * MiB, 1000 * MiB, 10_000)).toEqual({
      fraction: 0.25,
      etaSeconds: 30,
      text: 'Copying the system: 250 of 1000 MiB, about 30 s left',
    });
    expect(copyProgress(100 * MiB, 1000 * MiB, 20_000).text).toBe(
      'Copying the system: 100 of 1000 MiB, about 3 min left',
    );
    // tar reads whole records: never more than all
    expect(copyProgress(1001 * MiB, 1000 * MiB, 20_000).fraction).toBe(1);
    expect(copyProgress(300 * MiB, null, 20_000)).toEqual({
      fraction: null,
      etaSeconds: null,
      text: 'Copying the system: 300 MiB',
    });
    expect(formatDuration(75)).toBe('1 min 15 s');
  });
  it("takes the size recorded next to the payload, a plain tar's own size, or none", () => {
    const files: Record<string, string> = {
      '/m/payload.tar.zst.size': '1073741824\n',
      '/m/bad.tar.zst.size': 'x',
    };
    const read = (f: string) => {
      const v = files[f];
      if (v === undefined) throw new Error('ENOENT');
      return v;
    };
    expect(payloadBytes('/m/payload.tar.zst', read, () => 1)).toBe(1073741824);
    expect(payloadBytes('/m/bad.tar.zst', read, () => 1)).toBeNull();
    expect(payloadBytes('/m/old.tar.zst', read, () => 1)).toBeNull();
    expect(payloadBytes('/m/p.tar', read, () => 4096)).toBe(4096);
  });
});

/** the extract handler on a recorded payload, its progress calls and events collected */
async function runExtract(runner: ApplyContext['runner'], payload: string) {
  const events: ProgressEvent[] = [];
  const steps: [number, string | undefined][] = [];
  const ctx: ApplyContext = {
    runner,
    target: '/target',
    payload,
    secrets: {},
    firstBootHook: null,
    installLogPath: null,
    answerRedacted: null,
    emit: (e) => events.push(e),
    log: () => {},
    deviceTimeoutMs: 50,
    progress: (f, text) => steps.push([f, text]),
    noFsync: [],
    state: newState(),
  };
  const step = {
    id: 'extract:payload',
    kind: 'extract',
    source: 'payload',
    title: 'Copying the system',
    weight: 1,
  } as const;
  await extract(step, ctx);
  return { events, steps };
}

describe('extract handler with a recorded payload size', () => {
  it('reports real progress from tar checkpoints with an ETA, then how long the copy took', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openve-extract-'));
    try {
      const payload = path.join(dir, 'payload.tar.zst');
      writeFileSync(payload, '');
      writeFileSync(sizeFileOf(payload), String(20 * 200 * 10240)); // 20 checkpoints in all
      const out = Array.from(
        { length: 20 },
        (_, i) => `tar: openve-checkpoint ${(i + 1) * 200}\n`,
      ).join('');
      const r = recordingRunner({
        rules: [{ match: ['tar'], respond: { stderr: '', stdout: out } }],
      });
      const { events, steps } = await runExtract(r, payload);
      expect(r.calls[0]?.argv).toEqual([
        'tar',
        '--zstd',
        '-xpf',
        payload,
        '-C',
        '/target',
        '--xattrs',
        '--xattrs-include=*',
        '--acls',
        '--numeric-owner',
        '--checkpoint=200',
        '--checkpoint-action=echo=openve-checkpoint %u',
      ]);
      // the recording runner hands all output in one chunk: the last checkpoint wins
      expect(steps[0]).toEqual([0.9, 'Copying the system: 39 of 39 MiB']);
      expect(steps.slice(1)).toEqual([
        [0.9, 'Writing the system to disk'],
        [1, undefined],
      ]);
      expect(events).toEqual([
        {
          type: 'message',
          step: 'extract:payload',
          text: expect.stringMatching(/^Copied the system \(39 MiB\) in \d+\.\d s$/),
        },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('shows one event a second while tar checkpoints stream in (each is a line on the console)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openve-extract-'));
    try {
      const payload = path.join(dir, 'payload.tar.zst');
      writeFileSync(payload, '');
      // 401 checkpoints of 2,048,000 bytes recorded (783 MiB); tar reports 400 of them
      writeFileSync(sizeFileOf(payload), String(401 * 200 * 10240));
      // each checkpoint its own chunk, all within far less than a second: the first, and the last
      // one held back is shown when tar ends
      const r = recordingRunner({
        rules: [
          {
            match: ['tar'],
            respond: (_argv, options) => {
              for (let i = 1; i <= 400; i++)
                options.onOutput?.(`tar: openve-checkpoint ${i * 200}\n`);
              return {};
            },
          },
        ],
      });
      const { steps } = await runExtract(r, payload);
      const copying = steps.filter(([, t]) => t?.startsWith('Copying the system'));
      expect(copying).toEqual([
        [(0.9 * 1) / 401, 'Copying the system: 2 of 783 MiB'],
        [(0.9 * 400) / 401, 'Copying the system: 781 of 783 MiB'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
