// openve-install prepare-iso --in ISO (--answer A | --answer-url URL [--cert-fingerprint FP])
//                            [--on-first-boot SCRIPT] --out ISO
// The command: its arguments and output; the ISO work is iso/'s (iso/prepare/prepare-iso.ts), the
// answer is checked with the installer's own parser.
import { parseAnswers } from '../answers/parse.ts';
import { UserError, type Issue } from '../../lib/errors.ts';
import type { CommandRunner } from '../../lib/exec/index.ts';
import { parseCommandArgs } from '../../lib/args.ts';
import { prepareIso, type AnswerCheck, type PrepareOptions } from '../../iso/index.ts';

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
  if (missing.length) throw new UserError(missing);
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
