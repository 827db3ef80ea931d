// openve-install prepare-iso --in ISO (--answer A | --answer-url URL [--cert-fingerprint FP])
//                            [--on-first-boot SCRIPT] --out ISO
// The command: its arguments and output; the ISO work is iso/'s (iso/prepare/prepare-iso.ts), the
// answer is checked with the installer's own parser.
import { parseAnswers } from '../answers/parse.ts';
import type { Issue } from '../../lib/errors.ts';
import type { CommandRunner } from '../../lib/exec/index.ts';
import { parseCommandArgs } from '../../lib/args.ts';
import { prepareIso, type AnswerCheck, type PrepareOptions } from '../../iso/index.ts';
import { ANSWER_FILE, assertFileArgs } from './inputs.ts';

const checkAnswer: AnswerCheck = (text) => {
  const parsed = parseAnswers(text);
  return parsed.ok
    ? { ok: true, firstBootSource: parsed.value.firstBoot?.source }
    : { ok: false, issues: parsed.issues };
};

const USAGE =
  'usage: prepare-iso --in ISO (--answer A | --answer-url URL [--cert-fingerprint FP]) [--on-first-boot SCRIPT] --out ISO';

export async function run(args: string[], runner?: CommandRunner): Promise<number> {
  const { values } = parseCommandArgs('prepare-iso', args, {
    in: { type: 'string' },
    answer: { type: 'string' },
    'answer-url': { type: 'string' },
    'cert-fingerprint': { type: 'string' },
    'on-first-boot': { type: 'string' },
    out: { type: 'string' },
  });
  const missing: Issue[] = [];
  for (const k of ['in', 'out'] as const)
    if (!values[k]) missing.push({ path: `--${k}`, message: `required (${USAGE})` });
  if (!values.answer && !values['answer-url'])
    missing.push({ path: '--answer', message: `required, or --answer-url (${USAGE})` });
  // every problem at once: the missing flags and each named file (missing, a directory, a FIFO,
  // a device, unreadable, not UTF-8), before any of them is read in full
  assertFileArgs(
    [
      { flag: '--in', file: values.in, kind: 'file' },
      { flag: '--answer', file: values.answer, kind: 'text', expected: ANSWER_FILE },
      { flag: '--on-first-boot', file: values['on-first-boot'], kind: 'file' },
      { flag: '--out', file: values.out, kind: 'output' },
    ],
    missing,
  );
  const opts: PrepareOptions = { inIso: values.in!, outIso: values.out! };
  if (values.answer) opts.answer = values.answer;
  if (values['answer-url']) opts.answerUrl = values['answer-url'];
  if (values['cert-fingerprint']) opts.certFingerprint = values['cert-fingerprint'];
  if (values['on-first-boot']) opts.firstBoot = values['on-first-boot'];
  const r = await prepareIso(opts, checkAnswer, runner);
  process.stdout.write(
    `wrote ${r.outIso} (${(r.bytes / 1048576).toFixed(1)} MiB, volume id ${r.volumeId}): ${r.files.join(', ')}\n` +
      `boot kept: ${r.boot.elTorito.join(', ')}; ${r.boot.systemArea}\n`,
  );
  return 0;
}
