// openve-install plan --answer A [--hardware FIXTURE.json] [--json] [--verbose]
// Prints the install plan without root and without touching a disk. Without --hardware it
// detects this machine. Exit 1 with `path: message` lines for a bad answer file or a selection
// that fails (those list every disk or NIC of the machine).
import { UserError } from '../../lib/errors.ts';
import { readUserFile } from '../../lib/fs.ts';
import type { HardwareProfile } from '../../contracts/hardware/types.ts';
import { parseCommandArgs } from '../../lib/args.ts';
import { planFromAnswerText } from '../core.ts';
import { formatPlan } from '../plan/format.ts';

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('plan', args, {
    answer: { type: 'string', short: 'a' },
    hardware: { type: 'string' },
    json: { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
  });
  if (!values.answer)
    throw new UserError({
      path: 'plan',
      message:
        '--answer FILE is required (usage: openve-install plan --answer A [--hardware FIXTURE.json] [--json])',
    });
  const text = readUserFile(values.answer, '--answer');
  const hardware = await loadHardware(values.hardware);
  const r = planFromAnswerText(text, hardware);
  if (!r.ok) throw new UserError(r.issues);
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
