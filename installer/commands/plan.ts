// openve-install plan --answer A [--hardware FIXTURE.json] [--json] [--verbose]
// Prints the install plan without root and without touching a disk. Without --hardware it
// detects this machine. Exit 1 with `path: message` lines for a bad answer file or a selection
// that fails (those list every disk or NIC of the machine).
import { UserError } from '../../lib/errors.ts';
import type { HardwareProfile } from '../../contracts/hardware/types.ts';
import { parseCommandArgs } from '../../lib/args.ts';
import { planFromAnswerText } from '../core.ts';
import { formatPlan } from '../plan/format.ts';
import { readAnswerText } from '../answers/read.ts';
import { inFile } from '../answers/parse.ts';
import { ANSWER_FILE, HARDWARE_FILE, assertFileArgs } from './inputs.ts';

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('plan', args, {
    answer: { type: 'string', short: 'a' },
    hardware: { type: 'string' },
    json: { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
  });
  assertFileArgs(
    [
      { flag: '--answer', file: values.answer, kind: 'text', expected: ANSWER_FILE },
      { flag: '--hardware', file: values.hardware, kind: 'text', expected: HARDWARE_FILE },
    ],
    values.answer
      ? []
      : [
          {
            path: 'plan',
            message:
              '--answer FILE is required (usage: openve-install plan --answer A [--hardware FIXTURE.json] [--json])',
          },
        ],
  );
  if (!values.answer) return 1; // unreachable: assertFileArgs threw
  const text = readAnswerText(values.answer, '--answer');
  const hardware = await loadHardware(values.hardware);
  const r = planFromAnswerText(text, hardware);
  if (!r.ok) throw new UserError(inFile(values.answer, r.issues));
  process.stdout.write(
    values.json
      ? JSON.stringify(r.value.plan, null, 2) + '\n'
      : formatPlan(r.value.plan, { verbose: values.verbose ?? false }),
  );
  return 0;
}

async function loadHardware(file: string | undefined): Promise<HardwareProfile> {
  if (file) {
    const { loadHardwareFile } = await import('../hardware/fixture.ts');
    return loadHardwareFile(file);
  }
  const { detectHardware } = await import('../hardware/detect.ts');
  return await detectHardware();
}
