// openve-install detect [--json]: the HardwareProfile of this machine, readable or as exact JSON
// (the JSON is what `--hardware FILE` replays).
import { detectHardware } from '../hardware/detect.ts';
import { formatProfile } from '../hardware/summary.ts';
import { parseCommandArgs } from './args.ts';

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('detect', args, { json: { type: 'boolean', default: false } });
  const profile = await detectHardware();
  process.stdout.write(values.json ? JSON.stringify(profile, null, 2) + '\n' : formatProfile(profile));
  return 0;
}
